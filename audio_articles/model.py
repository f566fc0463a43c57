"""Plain data passed between the stages of the pipeline.

parse -> Article -> plan -> [SpeechJob] -> render -> [Clip] -> assemble -> Timeline.
Nothing here does I/O; every stage takes and returns these frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class SegmentKind(str, Enum):
    """What a piece of text is, which decides its voice and its pauses."""

    HEADLINE = "headline"
    SUBHEADING = "subheading"
    BODY = "body"
    QUOTE = "quote"
    LIST_ITEM = "list_item"
    NOTICE = "notice"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Segment:
    """One stretch of text spoken in one voice."""

    kind: SegmentKind
    """Decides the voice, rate and pauses."""
    text: str
    """The words as written (clutter and markup removed, whitespace folded)."""
    paragraph: int
    """Number of the block it belongs to, from 1 in reading order (headline included)."""
    start: int = 0
    """Offset of the segment's first character in the decoded source text."""
    end: int = 0
    """Offset just past the segment's last character in the decoded source text."""
    speaker: str | None = None
    """Who is speaking, in a transcript with speaker labels ("THE PRESIDENT"); else None."""


@dataclass(frozen=True)
class Section:
    """A run of segments under one title; sections with subheadings become chapters."""

    title: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Removed:
    """Text of the source that is deliberately not spoken, and why."""

    text: str
    reason: str


@dataclass(frozen=True)
class Article:
    """A parsed article: what will be spoken, in reading order."""

    title: str
    sections: tuple[Section, ...]
    author: str | None = None
    """Author or byline, when the source names one."""
    language: str = "en"
    """BCP 47 language tag such as "en" or "fr"."""
    date: str | None = None
    """Publication date as written in the source (ISO 8601 when it came from front matter)."""
    removed: tuple[Removed, ...] = ()
    """Everything dropped from the source, with the reason."""
    url: str | None = None
    """The web address the article was read from, when it came from one."""

    def segments(self) -> Iterator[Segment]:
        """All segments in reading order."""
        for section in self.sections:
            yield from section.segments

    def first_paragraph(self) -> str:
        """The first paragraph after the headline and subheadings, quotations in quote marks
        (what players and podcast apps show as a summary)."""
        spoken = [s for s in self.segments() if s.kind not in (SegmentKind.HEADLINE, SegmentKind.SUBHEADING)]
        if not spoken:
            return ""
        first = spoken[0].paragraph
        return " ".join(f"“{s.text}”" if s.kind == SegmentKind.QUOTE else s.text for s in spoken if s.paragraph == first)


@dataclass(frozen=True)
class Voice:
    """Engine settings for one utterance."""

    voice: str
    """Engine voice id, e.g. "gmw/en-us" or "gmw/en-us+f3" (espeak-ng variant)."""
    rate: int = 175
    """Speaking rate in words per minute."""
    pitch: int = 50
    """Base pitch, 0-100 (espeak-ng's scale; 50 is the voice's natural pitch)."""
    volume: float = 1.0
    """Engine output volume, 0.0-1.0."""
    engine: str | None = None
    """Engine that speaks it ("pyttsx3", "piper"); None means the run's engine."""
    model: str | None = None
    """Piper voice model file (``…/name.onnx``, with ``name.onnx.json`` beside it)."""
    speaker: int | None = None
    """Speaker id of a multi-speaker Piper voice; None is the voice's default speaker."""
    pitch_shift: float = 1.0
    """Pitch (and formants) × this after synthesis, for Piper voices: one voice made a second
    speaker (the ``natural`` profile's quotations). 1.0 leaves the voice as it is."""


@dataclass(frozen=True)
class SpeechJob:
    """One segment, ready for the engine."""

    index: int
    """Segment number from 1 over the whole article (the numbers `inspect` shows)."""
    kind: SegmentKind
    text: str
    """The written text (for transcripts and chapter titles)."""
    spoken: str
    """The text exactly as the engine receives it."""
    voice: Voice
    paragraph: int
    pause_before_ms: int = 0
    pause_after_ms: int = 0
    language: str = "en"
    """Language the text is spoken in (BCP 47), which chose the voice and the text rules."""


@dataclass(frozen=True)
class ClipLevels:
    """What the loudness plan needs of one clip, wherever the clip is placed: measured
    once, as soon as the clip exists, and stored beside it (``audio/levels.py``)."""

    frames: int
    """Length of the clip measured (a stored measurement of another clip is refused)."""
    sample_rate: int
    keep_start: int
    """First frame kept (``assemble.audible_bounds``)."""
    keep_end: int
    loud_start: int
    """First audible frame."""
    loud_end: int
    energies: np.ndarray
    """Sum of squared K-weighted samples of the kept, faded audio per 100 ms bin, from ``keep_start``."""
    true_peak: float
    """Highest absolute sample at 4× oversampling, full scale = 1.0."""
    sample_peak: float
    """Highest absolute sample as it is, full scale = 1.0."""

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """(keep_start, keep_end, loud_start, loud_end), as ``audible_bounds`` gives them."""
        return self.keep_start, self.keep_end, self.loud_start, self.loud_end


@dataclass(frozen=True)
class Clip:
    """A rendered utterance on disk: a mono 16-bit WAV file."""

    path: Path
    sample_rate: int
    frames: int
    cached: bool = False
    """True when it came from the clip cache rather than the engine."""
    levels: ClipLevels | None = field(default=None, compare=False, repr=False)
    """Its loudness measurement (``audio/levels.py``), once taken."""

    @property
    def duration_ms(self) -> float:
        return 1000.0 * self.frames / self.sample_rate


@dataclass(frozen=True)
class ChapterMark:
    """Where a chapter starts, before any audio exists."""

    title: str
    first_index: int
    """Segment index (from 1) that opens the chapter."""


@dataclass(frozen=True)
class TimedSegment:
    """A segment's place in the finished programme."""

    index: int
    kind: SegmentKind
    text: str
    voice: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Chapter:
    """A chapter of the finished programme; chapters tile the whole file."""

    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Timeline:
    """Where every segment and chapter lies in the finished audio."""

    segments: tuple[TimedSegment, ...]
    chapters: tuple[Chapter, ...]
    duration_ms: int


@dataclass(frozen=True)
class Tags:
    """Metadata written into the output file."""

    title: str
    artist: str | None = None
    album: str | None = None
    date: str | None = None
    comment: str | None = None
    language: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    """A sentence or two about the programme (ID3 comment, MP4 description)."""
    cover: Path | None = None
    """Cover art, a JPEG or PNG file (ID3 APIC, MP4 covr)."""
    length_ms: int | None = None
    """Programme length (ID3 TLEN)."""
    genre: str | None = None
    """Genre (ID3 TCON, MP4 ©gen), e.g. "Podcast"."""
    url: str | None = None
    """Where the article was published (ID3 WOAS)."""


@dataclass(frozen=True)
class Plan:
    """Everything that will be said, and how, before any audio exists: the one answer
    that convert, preview, inspect and feed all work from."""

    article: Article
    """The article as spoken (its language settled by --lang, front matter or detection)."""
    jobs: tuple[SpeechJob, ...]
    """One per segment, in order, with the profile's intro (index 0) and outro (last) around them."""
    gaps_ms: tuple[int, ...]
    """Silence after each job; 0 after the last."""
    chapters: tuple[ChapterMark, ...]
    """Where chapters begin."""
