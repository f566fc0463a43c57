"""Tiny text helpers shared by the parsers."""

from __future__ import annotations

import re

_WORD_EDGE = re.compile(r"^\W+|\W+$")


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
    """The words of ``text``, case-folded, without punctuation or quotation marks around them.

    Used to check that no word of the source goes missing.

    >>> words("“China’s ‘rule’,” he said — OK?")
    ['china’s', 'rule', 'he', 'said', 'ok']
    """
    found = []
    for token in text.split():
        core = _WORD_EDGE.sub("", token)
        if core:
            found.append(core.casefold())
    return found
