"""The `inspect` report: how an article will be voiced, segment by segment, before rendering.

Built from the parsed Article and the speech plan, so it shows the very text and voice
each segment gets. ``as_json()`` is a stable schema: fields may be added, never renamed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .model import Article, Removed, SpeechJob

if TYPE_CHECKING:
    from .convert import Options


@dataclass(frozen=True)
class SegmentLine:
    """One segment as inspect shows it."""

    index: int
    """From 1 over the whole article (the numbers ``preview --segment`` takes)."""
    paragraph: int
    """Block number from 1, headline and subheadings included (``preview --paragraph``)."""
    kind: str
    text: str
    """The words as written."""
    spoken: str
    """The text exactly as the engine receives it."""
    voice: str
    """Engine voice id."""


@dataclass(frozen=True)
class SectionLines:
    title: str
    segments: tuple[SegmentLine, ...]


@dataclass(frozen=True)
class Report:
    title: str
    author: str | None
    language: str
    sections: tuple[SectionLines, ...]
    removed: tuple[Removed, ...]

    def as_json(self) -> dict:
        """The documented JSON schema (see README, "Inspect")."""
        return {
            "title": self.title,
            "author": self.author,
            "language": self.language,
            "sections": [
                {
                    "title": section.title,
                    "segments": [
                        {
                            "index": line.index,
                            "paragraph": line.paragraph,
                            "kind": line.kind,
                            "text": line.text,
                            "voice": line.voice,
                            "spoken": line.spoken,
                        }
                        for line in section.segments
                    ],
                }
                for section in self.sections
            ],
            "removed": [{"text": item.text, "reason": item.reason} for item in self.removed],
        }


def build_report(article: Article, jobs: list[SpeechJob]) -> Report:
    """Pair each segment with its speech job (same order, one job per segment)."""
    remaining = iter(jobs)
    sections = []
    for section in article.sections:
        lines = []
        for _segment in section.segments:
            job = next(remaining)
            lines.append(SegmentLine(job.index, job.paragraph, job.kind.value, job.text, job.spoken, job.voice.voice))
        sections.append(SectionLines(section.title, tuple(lines)))
    # The plan may settle the spoken language (front matter, or detection); report that one.
    language = getattr(jobs[0], "language", article.language) if jobs else article.language
    return Report(article.title, article.author, language, tuple(sections), article.removed)


def inspect_file(path: str | os.PathLike[str], options: Options | None = None) -> Report:
    """Parse an article file and plan its speech exactly as ``convert`` would with
    ``options``: the same profile, overrides, project lexicon and language."""
    from .convert import Options, load_article, speech_profile
    from .plan import plan_speech

    options = options or Options()
    article = load_article(path if isinstance(path, str) else Path(path), options.max_bytes, options.offline)
    profile = speech_profile(path, options)
    return build_report(article, plan_speech(article, profile, language=options.language))


KIND_STYLES = {
    "headline": "bold",
    "subheading": "bold cyan",
    "body": "",
    "quote": "magenta",
    "list_item": "green",
    "notice": "yellow",
}


def print_report(report: Report, console=None) -> None:
    """Readable tables: one per section, then what was removed and why."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console()
    byline = f" · {report.author}" if report.author else ""
    console.print(f"[bold]{escape(report.title)}[/bold]{escape(byline)} · language {escape(report.language)}")
    for number, section in enumerate(report.sections, start=1):
        table = Table(title=f"Section {number}: {escape(section.title)}", title_justify="left", expand=True)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("¶", justify="right", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("voice", no_wrap=True)
        table.add_column("text", ratio=1)
        for line in section.segments:
            text = escape(line.text)
            if line.spoken != line.text:
                text += f"\n[dim]spoken: {escape(line.spoken)}[/dim]"
            style = KIND_STYLES.get(line.kind, "")
            table.add_row(str(line.index), str(line.paragraph), f"[{style}]{line.kind}[/]" if style else line.kind, escape(line.voice), text)
        console.print(table)
    if report.removed:
        table = Table(title="Removed (not spoken)", title_justify="left", expand=True)
        table.add_column("reason", no_wrap=True)
        table.add_column("text", ratio=1)
        for item in report.removed:
            table.add_row(escape(item.reason), escape(item.text))
        console.print(table)
    else:
        console.print("Nothing removed.")
