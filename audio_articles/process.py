"""How the program ends, as a process: usage errors as one line, Ctrl-C and SIGTERM with
the same clean-up and their exit codes (130, 143)."""

from __future__ import annotations

import logging
import os
import signal
import sys

import typer

from .console import say

log = logging.getLogger(__name__)


def click_exceptions():
    """The exceptions of the click that typer runs on (recent typer carries its own copy)."""
    try:
        from typer._click import exceptions
    except ImportError:
        from click import exceptions
    return exceptions


def usage_error(error) -> int:
    """A click usage error as one line: "audio-articles: error: convert: Invalid value for
    '--bitrate': 500 is not in the range 8<=x<=320 (see audio-articles convert --help)"."""
    where, hint = "", ""
    context = getattr(error, "ctx", None)
    if isinstance(error, click_exceptions().UsageError) and context is not None:
        path = context.command_path
        command = path.split(" ", 1)[1] if " " in path else ""
        where = f"{command}: " if command else ""
        hint = f" (see {path} --help)"
    message = " ".join(error.format_message().split())
    typer.echo(f"audio-articles: error: {where}{message}{hint}", err=True)
    return error.exit_code


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be so that the same clean-up runs."""


def _quiet_while_stopping() -> None:
    """Once a run is being stopped, clean-up that fails in a finaliser is logged, not
    printed. Ctrl-C and SIGTERM raise wherever the program is: an object cut short while
    being made (a WAV writer whose ``__init__`` had opened its file but not set itself
    up) fails in its ``__del__`` when collected, which Python prints as "Exception
    ignored in …" with a traceback, between our one-line message and nothing."""

    def hook(unraisable) -> None:
        log.debug("while stopping, in %r: %r", unraisable.object, unraisable.exc_value)

    sys.unraisablehook = hook


def quiet_interrupts() -> None:
    """Ctrl-C raises KeyboardInterrupt as before, after ``_quiet_while_stopping``; where
    SIGINT is ignored or handled otherwise (a script's background job), nothing changes."""

    def interrupt(number, frame) -> None:
        _quiet_while_stopping()
        signal.default_int_handler(number, frame)

    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the main thread (embedded): leave SIGINT alone
        pass


def stop_on_sigterm():
    """Turn SIGTERM into ``Terminated`` in this process (not in processes it starts);
    returns a function saying whether it came."""
    came = []
    main_pid = os.getpid()

    def handler(number, frame) -> None:
        if os.getpid() != main_pid:  # a forked child: die as SIGTERM would have it
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        if came:
            return  # already stopping
        came.append(True)
        _quiet_while_stopping()
        raise Terminated()

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (embedded): leave SIGTERM alone
        pass
    return lambda: bool(came)


def run_app(app: typer.Typer, argv: list[str] | None) -> None:
    """Run the command line and end the process with its exit code.

    Usage errors (an unknown option, ``--bitrate 500``) are one line and exit 2, like
    every other error, instead of click's boxed message; ``--help`` is unchanged. Ctrl-C
    ends the run with "interrupted" (exit 130) and SIGTERM with "terminated" (exit 143),
    both after the same clean-up: temporary files are removed, workers stopped.
    """
    terminated = stop_on_sigterm()
    quiet_interrupts()
    try:
        code = app(args=argv, prog_name="audio-articles", standalone_mode=False)
    except click_exceptions().ClickException as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # no arguments: the help, as before
            shown = error.ctx.get_help() if error.ctx else ""  # rich help prints itself
            if shown:
                typer.echo(shown)
            raise SystemExit(error.exit_code) from None
        raise SystemExit(usage_error(error)) from None
    except (KeyboardInterrupt, typer.Abort):
        code = 130
    if code == 130 or terminated():
        say("audio-articles: terminated" if terminated() else "audio-articles: interrupted")
        raise SystemExit(143 if terminated() else 130)
    raise SystemExit(code if isinstance(code, int) else 0)
