"""Collects segments block by block and numbers them; both parsers feed one of these.

Paragraph numbers count blocks from 1 in reading order (headlines, subheadings, list
items and notices included): the numbers ``inspect`` shows and ``preview`` plays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Article, Removed, Section, Segment, SegmentKind
from .quotes import ends_open, split_quotes, whole_quotation
from .text import fold, has_words, reference_marks, without_site_name

SECTION_LEVELS = 3
"""Headings down to this level (##, ###) open a section and a chapter; deeper ones do not."""


@dataclass
class _OpenSection:
    title: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class ArticleBuilder:
    """Mutable scratch space of one parse; ``build()`` returns the frozen Article."""

    min_quote_words: int = 4
    sections: list[_OpenSection] = field(default_factory=list)
    removed: list[tuple[int, int, Removed]] = field(default_factory=list)
    """(source offset, sequence, item): sorted into source order by build()."""
    _last_removed_at: int = 0
    headline: str | None = None
    """The first headline: the article's title unless the source names one."""
    paragraphs: int = 0
    in_quotation: bool = False
    """The last paragraph ended inside an open quotation (it may continue in the next)."""

    # -- what the parsers call -------------------------------------------------------

    def remove(self, text: str, reason: str, at: int | None = None) -> None:
        """Record text that is deliberately not spoken (only when it has words).

        ``at`` is its offset in the source, so the list reads in source order even when
        a later pass removes something earlier (a byline after the clutter lines);
        without it the item goes after the last one recorded.
        """
        text = fold(text)
        if has_words(text):
            at = self._last_removed_at if at is None else at
            self._last_removed_at = at
            self.removed.append((at, len(self.removed), Removed(text, reason)))

    def _heading(self, text: str, start: int) -> str:
        """A heading's words: a wiki's "[edit]" and citation markers after it are not read."""
        text, marks = reference_marks(fold(text))
        for mark, reason in marks:
            self.remove(mark, reason, start)
        return text.strip()

    def add_headline(self, text: str, start: int = 0, end: int = 0) -> None:
        """An article's headline; a second headline (a digest) opens a new section."""
        text = self._heading(text, start)
        if self.headline is None:
            self.headline = text
        if self._has_segments():
            self.sections.append(_OpenSection(text))
        self._add(SegmentKind.HEADLINE, text, start, end)

    def add_subheading(self, text: str, level: int = 2, start: int = 0, end: int = 0) -> None:
        """A subheading; levels up to SECTION_LEVELS open a new section."""
        text = self._heading(text, start)
        if level <= SECTION_LEVELS:
            self.sections.append(_OpenSection(text))
        self._add(SegmentKind.SUBHEADING, text, start, end)

    def add_paragraph(
        self, text: str, start: int = 0, end: int = 0, *, quoted: bool = False, speaker: str | None = None
    ) -> None:
        """A paragraph of prose: body with quotations split out, or all quote (``quoted``)."""
        text = fold(text)
        if not has_words(text):
            return
        self.paragraphs += 1
        if quoted:
            self._append(Segment(SegmentKind.QUOTE, text, self.paragraphs, start, end, speaker))
            self.in_quotation = False
            return
        spans = split_quotes(text, self.min_quote_words, continuing=self.in_quotation)
        for span in spans:
            # Body text after a quotation may start with its comma (“…”, he said).
            piece = text[span.start : span.end].strip(" ") if span.quoted else text[span.start : span.end].lstrip(" ,;").rstrip()
            if has_words(piece):
                kind = SegmentKind.QUOTE if span.quoted else SegmentKind.BODY
                self._append(Segment(kind, piece, self.paragraphs, start, end, speaker))
        self.in_quotation = ends_open(spans)

    def add_list_item(self, text: str, start: int = 0, end: int = 0) -> None:
        """A list item; one that is wholly a quoted sentence (a testimonial) is a quotation,
        while quoted fragments and labels in lists stay list items."""
        text = fold(text)
        quoted = whole_quotation(text, self.min_quote_words)
        if quoted:
            self._add(SegmentKind.QUOTE, quoted, start, end)
            return
        self._add(SegmentKind.LIST_ITEM, text, start, end)

    def add_notice(self, text: str, start: int = 0, end: int = 0, speaker: str | None = None) -> None:
        """A short announcement, e.g. where a code block is skipped or a speaker changes."""
        self._add(SegmentKind.NOTICE, fold(text), start, end, speaker)

    def build(
        self,
        *,
        title: str | None,
        fallback_title: str,
        author: str | None = None,
        date: str | None = None,
        language: str = "en",
    ) -> Article:
        """The finished Article; ``title`` (e.g. from front matter) wins over the headline."""
        title = without_site_name(title or self.headline or fallback_title)
        # The untitled first section (text before any subheading) is titled by the article.
        frozen = tuple(Section(s.title or title, tuple(s.segments)) for s in self.sections if s.segments)
        return Article(
            title=title,
            sections=frozen,
            author=author,
            language=language,
            date=date,
            removed=tuple(item for _, _, item in sorted(self.removed, key=lambda entry: entry[:2])),
        )

    # -- internals -------------------------------------------------------------------

    def _has_segments(self) -> bool:
        return any(section.segments for section in self.sections)

    def _add(self, kind: SegmentKind, text: str, start: int, end: int, speaker: str | None = None) -> None:
        if not has_words(text):
            return
        self.paragraphs += 1
        self.in_quotation = False
        self._append(Segment(kind, text, self.paragraphs, start, end, speaker))

    def _append(self, segment: Segment) -> None:
        if not self.sections:
            # The first section is titled by the article (filled in by build()).
            self.sections.append(_OpenSection(""))
        self.sections[-1].segments.append(segment)
