"""What the command line shows: one-line errors and warnings, progress bars, result lines.

Kept apart from the commands so each command stays a few lines that call the library.
"""

from __future__ import annotations

import functools
import logging
import re
import sys

import typer

from .errors import AudioArticlesError
from .units import short_clock


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: object) -> str:
    """``text`` fit for one terminal line: line breaks and control characters (a title's
    ESC or BEL, which a terminal would act on) become single spaces.

    >>> one_line("Breaking\\nnews\\x1b[31m \\x07now")
    'Breaking news [31m now'
    """
    return " ".join(_CONTROL.sub(" ", str(text)).split())


def fail(error: AudioArticlesError) -> typer.Exit:
    """Print an error as one line on stderr; return the Exit to raise."""
    typer.echo(f"audio-articles: error: {one_line(error)}", err=True)
    return typer.Exit(error.exit_code)


def reported(command):
    """A command whose AudioArticlesError ends the run as one line and its exit code."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AudioArticlesError as error:
            raise fail(error) from None

    return run


def say(line: str) -> None:
    """A line for the user, on stderr (stdout carries only what a script may read)."""
    typer.echo(line, err=True)


def setup_logging(verbose: bool) -> None:
    """Warnings (and with ``verbose``, what each stage does) as one line each on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("%(name)s: " if verbose else ""))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)


class OneLineFormatter(logging.Formatter):
    """'audio-articles: warning: …', the same shape as errors."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def format(self, record: logging.LogRecord) -> str:
        prefix = self.prefix % record.__dict__ if self.prefix else ""
        return f"audio-articles: {record.levelname.lower()}: {prefix}{one_line(record.getMessage())}"


def progress_bar(counts: bool = True):
    """A progress bar with an ETA on stderr; ``counts`` shows "done/total" of the units
    (or a task's own ``shown`` field, such as "12:30/55:00" of audio)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        *([_count_column()] if counts else []),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # no bar, and no stray blank lines, in logs and pipes
    )


def _count_column():
    from rich.progress import ProgressColumn
    from rich.text import Text

    class CountColumn(ProgressColumn):
        """ "done/total", or the task's ``shown`` field when it has one."""

        def render(self, task):
            shown = task.fields.get("shown")
            if shown is None:
                shown = f"{int(task.completed)}/{int(task.total)}" if task.total is not None else f"{int(task.completed)}"
            return Text(shown, style="progress.download")

    return CountColumn()


def staged_progress(bar):
    """A ``convert.Progress`` callback drawing each stage (speech in clips, then encoding in
    time of audio, "Encoding 12:30/55:00") as its own bar, so the ETA follows its pace."""
    task = bar.add_task("Speaking", total=None)
    names = {"speech": "Speaking", "encode": "Encoding"}
    current = ["speech"]

    def progress(stage: str, done: int, total: int) -> None:
        if stage != current[0]:
            current[0] = stage
            bar.reset(task, description=names.get(stage, stage.capitalize()), total=total)
        shown = f"{short_clock(done)}/{short_clock(total)}" if stage == "encode" else None
        bar.update(task, completed=done, total=total, shown=shown)

    return progress


def episode_progress(bar):
    """A ``feed`` progress callback: a bar over the episodes to render (a line for each
    in logs and pipes, where no bar is drawn)."""
    task = bar.add_task("Rendering", total=None)

    def progress(done: int, total: int, title: str) -> None:
        title = one_line(title)
        short = title if len(title) <= 40 else title[:39] + "…"
        bar.update(task, description=f"Rendering {short}", completed=done, total=total)
        if bar.disable:
            say(f"rendering {done + 1}/{total}: {title}")

    return progress


def plural(count: int, noun: str) -> str:
    """
    >>> plural(1, "chapter"), plural(3, "chapter")
    ('1 chapter', '3 chapters')
    """
    return f"{count} {noun}{'' if count == 1 else 's'}"


def result_line(result) -> str:
    """One line saying what a conversion wrote."""
    minutes, seconds = divmod(result.timeline.duration_ms // 1000, 60)
    return (
        f"{result.output}  {minutes}:{seconds:02d}, {plural(len(result.timeline.chapters), 'chapter')}"
        f" ({result.cached_clips} of {result.clips} clips from cache)"
    )


def outcome_line(outcome) -> str:
    """One line for each article of a batch: what it wrote, or why it failed."""
    from .run.outcome import Failure

    if not isinstance(outcome, Failure):
        return result_line(outcome)
    where = "" if str(outcome.source) in outcome.message else f"{outcome.source}: "
    return f"audio-articles: error: {one_line(where + outcome.message)}"


def overview_lines(overview) -> list[str]:
    """``voices``: the engine's voices, its variants, and each profile's voice per kind."""
    lines = [f"{len(overview.voices)} voices ({overview.engine}):"]
    for info in overview.voices:
        lines.append(f"  {info.id:<28} {info.name:<36} {','.join(info.languages):<14} {info.gender or ''}")
    if overview.variants:
        lines.append(f"variants, added as voice+variant (e.g. gmw/en-us+f3): {' '.join(overview.variants)}")
    for profile in overview.profiles:
        lines += ["", f"profile {profile.name}  ({profile.source})  {profile.description}"]
        if profile.error:
            lines.append(f"  error: {profile.error}")
        lines += [f"  {kind:<11} {voice}" for kind, voice in profile.kinds]
    return lines
