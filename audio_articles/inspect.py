"""The `inspect` report: how an article will be voiced, segment by segment, before rendering.

Built from the Plan that convert renders (``plan.plan_article``), so it shows the very
text and voice each segment gets, the intro and outro included. ``as_json()`` is a stable schema: fields may be added, never renamed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .model import Plan, Removed, SpeechJob
from .plan import estimated_ms, plan_article, speech_profile
from .settings import Options
from .sources import load_article


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
    chapters: tuple[tuple[str, int, int], ...] = ()
    """(title, first segment, estimated length in seconds) of each chapter, as planned."""

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
            "chapters": [
                {"title": title, "segment": first, "estimated_seconds": seconds} for title, first, seconds in self.chapters
            ],
        }


def build_report(plan: Plan) -> Report:
    """The plan, section by section: each segment with its job; the intro is listed first
    in the first section and the outro last in the last, as they will be heard."""
    by_index = {job.index: job for job in plan.jobs}
    article = plan.article
    sections = []
    index = 1
    for section in article.sections:
        indexes = range(index, index + len(section.segments))
        index += len(section.segments)
        sections.append(SectionLines(section.title, tuple(_line(by_index.pop(i)) for i in indexes)))
    framing = sorted(by_index.values(), key=lambda job: job.index)  # what is left: intro, outro
    if sections:
        intro = tuple(_line(job) for job in framing if job.index == 0)
        outro = tuple(_line(job) for job in framing if job.index != 0)
        sections[0] = replace(sections[0], segments=intro + sections[0].segments)
        sections[-1] = replace(sections[-1], segments=sections[-1].segments + outro)
    return Report(article.title, article.author, article.language, tuple(sections), article.removed, _chapters(plan))


def _chapters(plan: Plan) -> tuple[tuple[str, int, int], ...]:
    """Each chapter with its estimated length (words at the voice's rate, and pauses)."""
    ms = [estimated_ms(job, gap) for job, gap in zip(plan.jobs, plan.gaps_ms)]
    indexes = [job.index for job in plan.jobs]
    starts = [0] + [indexes.index(mark.first_index) for mark in plan.chapters[1:]]
    ends = [*starts[1:], len(ms)]
    return tuple(
        (mark.title, mark.first_index, round(sum(ms[start:end]) / 1000))
        for mark, start, end in zip(plan.chapters, starts, ends)
    )


def _line(job: SpeechJob) -> SegmentLine:
    return SegmentLine(job.index, job.paragraph, job.kind.value, job.text, job.spoken, job.voice.voice)


def inspect_file(path: str | os.PathLike[str], options: Options | None = None) -> Report:
    """Parse an article file and plan its speech with ``options``, by the planner
    ``convert`` uses: the same profile, overrides, lexicons, engine, language, intro and outro."""
    options = options or Options()
    article = load_article(path if isinstance(path, str) else Path(path), options.max_bytes, options.offline)
    profile = speech_profile(path, options.production)
    return build_report(plan_article(article, profile, options.production))


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
    if report.chapters:
        table = Table(title=f"Chapters ({len(report.chapters)}, lengths estimated)", title_justify="left", expand=True)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("length", justify="right", no_wrap=True)
        table.add_column("title", ratio=1)
        for title, first, seconds in report.chapters:
            table.add_row(str(first), f"{seconds // 60}:{seconds % 60:02d}", escape(title))
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
