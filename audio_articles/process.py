"""How the program ends, as a process: usage errors as one line, Ctrl-C and SIGTERM with
the same clean-up and their exit codes (130, 143)."""

from __future__ import annotations

import os
import signal

import typer

from .console import say


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
