"""Plain-text articles: the headline, paragraphs separated by blank lines, quotations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Article, Removed, Section, Segment, SegmentKind
from .clutter import clutter_reason
from .quotes import split_quotes

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_BYLINE = re.compile(r"(?i)^by\s+([A-Z][\w.'’\-]+(?:\s+(?:and\s+)?[A-Z][\w.'’\-]+){0,5})$")


@dataclass(frozen=True)
class Block:
    """A paragraph of the source with its offsets."""

    text: str
    start: int
    end: int


def blocks(text: str) -> list[Block]:
    """Paragraphs separated by blank lines; wrapped lines are joined with spaces."""
    found = []
    pos = 0
    for match in [*_BLANK_LINES.finditer(text), None]:
        end = match.start() if match else len(text)
        raw = text[pos:end]
        if raw.strip():
            lead = len(raw) - len(raw.lstrip())
            folded = " ".join(raw.split())
            found.append(Block(folded, pos + lead, pos + len(raw.rstrip())))
        if match:
            pos = match.end()
    return found


def paragraph_segments(block: Block, paragraph: int, min_quote_words: int) -> list[Segment]:
    """Body and quote segments of one paragraph, in order."""
    segments = []
    for span in split_quotes(block.text, min_quote_words):
        piece = block.text[span.start : span.end].strip()
        if not piece or not any(ch.isalnum() for ch in piece):
            continue
        kind = SegmentKind.QUOTE if span.quoted else SegmentKind.BODY
        # Offsets are approximate within a reflowed paragraph: they bound the block.
        segments.append(Segment(kind, piece, paragraph, block.start, block.end))
    return segments


def parse_plaintext(text: str, *, min_quote_words: int = 4, fallback_title: str = "Untitled") -> Article:
    """Parse a plain-text article."""
    removed: list[Removed] = []
    kept: list[Block] = []
    for block in blocks(text):
        reason = clutter_reason(block.text)
        if reason:
            removed.append(Removed(block.text, reason))
        else:
            kept.append(block)

    segments: list[Segment] = []
    title = fallback_title
    author = None
    if kept:
        headline = kept.pop(0)
        title = headline.text
        segments.append(Segment(SegmentKind.HEADLINE, headline.text, 1, headline.start, headline.end))
    if kept and (byline := _BYLINE.match(kept[0].text)):
        author = byline.group(1)
        removed.append(Removed(kept.pop(0).text, "byline"))
    for number, block in enumerate(kept, start=len(segments) + 1):
        segments.extend(paragraph_segments(block, number, min_quote_words))
    return Article(
        title=title,
        sections=(Section(title, tuple(segments)),),
        author=author,
        removed=tuple(removed),
    )
