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
    "\u2018": "\u2019",  # ‘…’ British style; an apostrophe (’) glued to a word does not close it
}

_OPENERS = re.compile("[\u201c\"\u00ab\u201e\u201d\u2018]")
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
        if text.startswith(TWO_APOSTROPHES, i):  # “in the weeds'': a typewriter closing mark
            return i
    return -1


TWO_APOSTROPHES = "''"
"""Closes a double quotation in text typed for LaTeX or on a typewriter (``…'')."""
_CLOSER_PATTERNS = {
    opener: re.compile("[" + re.escape(closers) + "]" + ("|''" if opener in "\u201c\"" else ""))
    for opener, closers in PAIRS.items()
}


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
        # ‘33 and ‘90s are years with the wrong apostrophe, not quotations.
        if (open_at > 0 and text[open_at - 1].isalnum()) or (match.group() == "\u2018" and text[open_at + 1 : open_at + 2].isdigit()):
            pos = open_at + 1
            continue
        close_at = _closer(text, match.group(), open_at)
        # An unbalanced quotation runs to the end of its paragraph, never further.
        inner_end = close_at if close_at >= 0 else len(text)
        needed = 0 if continuing and not text[:open_at].strip() else min_words
        if not _has_words(text, open_at + 1, inner_end, needed) or (
            needed and close_at >= 0 and not_speech(text, open_at, close_at)
        ):
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


# -- quoted words that are not speech ---------------------------------------------------
# Quotation marks also name things: titles of works ("Go 1 and the Future of Go
# Programs"), labels and answer options (1 means “Strongly Disagree”), formulas
# ("n = [number of respondents]"). Each rule below looks at the quoted words and what
# sits right before them, and says why they stay in the body voice.

TITLE_MAX_CHARS = 200
_LOWER_WORDS = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "on", "or",
                "the", "to", "vs", "via", "with", "de", "la", "le", "les", "des", "du", "et", "y", "el", "los",
                "und", "der", "die", "das", "von"}  # fmt: skip
_NAMING = re.compile(
    r"(?i)(?:\b(?:means?|meant|entitled|titled|called|named|dubbed|labell?ed|marked|tagged|the (?:words?|phrase|term|"
    r"option|answer|label|button|tab|menu|field|heading|hashtag|slogan|motto|campaign)|option|answer|select|"
    r"choose|chose|click(?:ed)?|tap|press|type|search(?:ed)? for)|\bas)\s*[:,]?\s*$"
)


def title_of_work(inner: str) -> bool:
    """Title Case words with no sentence inside: a title or a name, not speech.

    >>> title_of_work("Backward Compatibility, Go 1.21, and Go 2"), title_of_work("A job well done.")
    (True, False)
    """
    words = re.findall(r"[^\W\d_][\w’'\-]*", inner)
    significant = [word for word in words if word.lower() not in _LOWER_WORDS]
    if len(words) < 2 or len(significant) < 2 or re.search(r"[.!?]\s+\S", inner.strip()):
        return False
    return all(word[0].isupper() for word in significant)


def label_or_formula(inner: str) -> bool:
    """Answer options joined by a slash, a formula with "=": read, not said by anyone.

    >>> label_or_formula("lack of time / not a priority"), label_or_formula("n = [number of respondents]")
    (True, True)
    """
    return " / " in inner or " = " in inner


def named_by_context(before: str) -> bool:
    """Quoted words the sentence names (entitled “…”, the option “…”, 1 means “…”) or
    that sit inside parentheses, where asides and labels go.

    >>> named_by_context("an ad entitled "), named_by_context("(1 means "), named_by_context("He said ")
    (True, True, False)
    """
    if before.count("(") > before.count(")"):
        return True
    return bool(_NAMING.search(before[-40:]))


def not_speech(text: str, open_at: int, inner_end: int) -> bool:
    """True when the closed quotation opened at ``open_at`` names something rather than
    quotes someone. Titles and labels are short: a longer quotation is not looked at,
    which also keeps a paragraph of many marks linear."""
    if inner_end - open_at > TITLE_MAX_CHARS:
        return False
    inner = text[open_at + 1 : inner_end]
    # What a sentence opens with is a quotation even when it is short and capitalised.
    return title_of_work(inner) or label_or_formula(inner) or named_by_context(text[max(0, open_at - 200) : open_at])


def whole_quotation(text: str, min_words: int = MIN_QUOTE_WORDS) -> str | None:
    """The quoted words when ``text`` is one quoted sentence and nothing else (a list of
    testimonials); None for anything else.

    >>> whole_quotation("“We cut errors from 96 to 2 this year.”")
    'We cut errors from 96 to 2 this year.'
    >>> whole_quotation("“Strongly agree”") is None, whole_quotation("“Fast,” she said.") is None
    (True, True)
    """
    if len(text) < 2 or text[0] not in PAIRS or text[-1] not in PAIRS[text[0]]:
        return None
    inner = text[1:-1].strip()
    if _OPENERS.search(inner) or not inner.endswith((".", "!", "?", "…")) or not _has_words(inner, 0, len(inner), min_words):
        return None
    return inner
