"""Tiny text helpers shared by the parsers."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+(?:[’'._\-][^\W_]+)*")  # letters and digits: what has_words() counts


def fold(text: str) -> str:
    """Whitespace runs (line breaks included) become one space; ends trimmed.

    >>> fold("  hard-wrapped\\n   lines  ")
    'hard-wrapped lines'
    """
    return " ".join(text.split())


def has_words(text: str) -> bool:
    """True when ``text`` has a letter or digit, i.e. something to say.

    >>> has_words(" — , ")
    False
    >>> has_words("’90s")
    True
    """
    return any(ch.isalnum() for ch in text)


def words(text: str) -> list[str]:
    """The words of ``text``, case-folded: runs of letters and digits, joined by inner
    apostrophes, hyphens or points. Punctuation and quotation marks are not words.

    Used to check that no word of the source goes missing; splitting text at
    punctuation never changes its words.

    >>> words("“China’s ‘rule’,” he said — U.S. 7-2, OK?(Applause.)")
    ['china’s', 'rule', 'he', 'said', 'u.s', '7-2', 'ok', 'applause']
    """
    return [match.group().casefold() for match in _WORD.finditer(text)]
