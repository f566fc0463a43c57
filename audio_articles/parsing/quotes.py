"""Split a paragraph into body and quotation spans.

Quoted speech goes to the quote voice; attribution outside the marks ("…," the ministry
said.) stays in the body voice. Only double quotation marks open a quotation, so
apostrophes (China’s, don’t, O’Hara, ’90s, rock ’n’ roll) never do, and single marks
nested inside a quotation (“… ‘rule based order’ …”) stay part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Opening mark -> the marks that may close it.
PAIRS = {
    "\u201c": "\u201d\u201c",  # “…” (some sources close with “ by mistake)
    '"': '"\u201d',
    "\u00ab": "\u00bb",  # «…»
    "\u201e": "\u201c\u201d",  # „…“
    "\u201d": "\u201d",  # ”…” used as both marks, seen in text exported from CMSes
}

_OPENERS = re.compile("[\u201c\"\u00ab\u201e\u201d]")
MIN_QUOTE_WORDS = 4


@dataclass(frozen=True)
class Span:
    """A piece of a paragraph: offsets into it and whether it is quoted speech."""

    start: int
    end: int
    quoted: bool
    closed: bool = True
    """False for a quotation still open at the end of the paragraph."""


def _closer(text: str, opener: str, start: int) -> int:
    """Index of the mark closing the quotation opened at ``start``, or -1."""
    closers = PAIRS[opener]
    pattern = _CLOSER_PATTERNS[opener]
    for match in pattern.finditer(text, start + 1):
        i = match.start()
        # A mark glued to the next word does not close (a straight one would open; a
        # curly one is a typo): closing there would split a word in two.
        if i + 1 < len(text) and text[i + 1].isalnum():
            continue
        if text[i] in closers:
            return i
    return -1


_CLOSER_PATTERNS = {opener: re.compile("[" + re.escape(closers) + "]") for opener, closers in PAIRS.items()}


def split_quotes(text: str, min_words: int = MIN_QUOTE_WORDS, continuing: bool = False) -> list[Span]:
    """Spans covering ``text`` in order; quoted spans exclude their quotation marks.

    ``continuing`` says the previous paragraph ended inside a quotation: an opening mark
    at the very start then continues it, however short. An unbalanced quotation ends
    with its paragraph.

    >>> text = 'He said “we will win this war,” loudly.'
    >>> [(text[s.start:s.end], s.quoted) for s in split_quotes(text)]
    [('He said ', False), ('we will win this war,', True), (' loudly.', False)]
    >>> [(text[s.start:s.end], s.quoted) for s in split_quotes(text, min_words=6)]
    [('He said “we will win this war,” loudly.', False)]
    >>> text = '“It was the first step. And the last'
    >>> [(text[s.start:s.end], s.quoted, s.closed) for s in split_quotes(text)]
    [('It was the first step. And the last', True, False)]
    """
    spans: list[Span] = []
    pos = 0
    body_start = 0
    while True:
        match = _OPENERS.search(text, pos)
        if not match:
            break
        open_at = match.start()
        # A mark right after a letter closes something (or is a typo); it does not open.
        if open_at > 0 and text[open_at - 1].isalnum():
            pos = open_at + 1
            continue
        close_at = _closer(text, match.group(), open_at)
        # An unbalanced quotation runs to the end of its paragraph, never further.
        inner_end = close_at if close_at >= 0 else len(text)
        needed = 0 if continuing and not text[:open_at].strip() else min_words
        if not _has_words(text, open_at + 1, inner_end, needed):
            pos = (close_at if close_at >= 0 else open_at) + 1
            continue
        if open_at > body_start:
            spans.append(Span(body_start, open_at, False))
        spans.append(Span(open_at + 1, inner_end, True, closed=close_at >= 0))
        body_start = pos = inner_end + 1 if close_at >= 0 else len(text)
    if body_start < len(text):
        spans.append(Span(body_start, len(text), False))
    return spans


def _has_words(text: str, start: int, end: int, count: int) -> bool:
    """True when text[start:end] has at least ``count`` words (stops counting early)."""
    if count <= 0:
        return True
    seen = 0
    for _ in re.finditer(r"\S+", text[start:end]):
        seen += 1
        if seen >= count:
            return True
    return False


def ends_open(spans: list[Span]) -> bool:
    """True when the paragraph ends inside a quotation that was never closed."""
    return bool(spans) and spans[-1].quoted and not spans[-1].closed
