"""Split a paragraph into body and quotation spans.

Quoted speech goes to the quote voice; attribution outside the marks ("…," the ministry
said.) stays in the body voice. Apostrophes (China’s, don't) are never quote marks because
only double quotation marks open a quotation.
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


def _closer(text: str, opener: str, start: int) -> int:
    """Index of the mark closing the quotation opened at ``start``, or -1."""
    closers = PAIRS[opener]
    for i in range(start + 1, len(text)):
        if text[i] in closers:
            # A straight quote only closes when not followed by a letter (it would open).
            if text[i] == '"' and i + 1 < len(text) and text[i + 1].isalnum():
                continue
            return i
    return -1


def split_quotes(text: str, min_words: int = MIN_QUOTE_WORDS) -> list[Span]:
    """Spans covering ``text`` in order; quoted spans exclude their quotation marks.

    >>> text = 'He said “we will win this war,” loudly.'
    >>> [(text[s.start:s.end], s.quoted) for s in split_quotes(text)]
    [('He said ', False), ('we will win this war,', True), (' loudly.', False)]
    """
    spans: list[Span] = []
    pos = 0
    body_start = 0
    while True:
        match = _OPENERS.search(text, pos)
        if not match:
            break
        open_at = match.start()
        # A straight or right mark right after a letter closes something, it does not open.
        if match.group() in '"\u201d' and open_at > 0 and text[open_at - 1].isalnum():
            pos = open_at + 1
            continue
        close_at = _closer(text, match.group(), open_at)
        # An unbalanced quotation runs to the end of its paragraph, never further.
        inner_end = close_at if close_at >= 0 else len(text)
        inner = text[open_at + 1 : inner_end]
        if len(inner.split()) < min_words:
            pos = (close_at if close_at >= 0 else open_at) + 1
            continue
        if open_at > body_start:
            spans.append(Span(body_start, open_at, False))
        spans.append(Span(open_at + 1, inner_end, True))
        body_start = pos = inner_end + 1 if close_at >= 0 else len(text)
    if body_start < len(text):
        spans.append(Span(body_start, len(text), False))
    return spans
