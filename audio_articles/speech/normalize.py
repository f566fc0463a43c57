"""Speech-ready text: small ``str -> str`` functions applied in order before synthesis.

Each function fixes one thing the engine gets wrong; add one by writing it (with a test of
input -> output pairs) and listing it in ``PIPELINE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

TextFn = Callable[[str], str]


def fold_whitespace(text: str) -> str:
    """One space between words.

    >>> fold_whitespace("a \\n b\\t c ")
    'a b c'
    """
    return " ".join(text.split())


def drop_urls(text: str) -> str:
    """Links are read as their domain ("nasa dot gov"), never letter by letter.

    >>> drop_urls("See https://www.nasa.gov/news/x.html today")
    'See nasa dot gov today'
    """

    def domain(match: re.Match[str]) -> str:
        host = match.group("host").removeprefix("www.")
        return " dot ".join(host.split("."))

    return re.sub(r"(?:https?://|www\.)(?P<host>[\w.-]+\w)(?:/[^\s]*)?", domain, text)


def dashes_as_pauses(text: str) -> str:
    """Em and en dashes between words become commas, which the engine pauses on.

    >>> dashes_as_pauses("The plan — if it works — is bold")
    'The plan, if it works, is bold'
    """
    return re.sub(r"\s*[\u2014\u2013]\s+|\s+[\u2014\u2013]\s*|\s*\u2014\s*", ", ", text)


PIPELINE: tuple[TextFn, ...] = (fold_whitespace, drop_urls, dashes_as_pauses)


def speech_ready(text: str, pipeline: Sequence[TextFn] = PIPELINE) -> str:
    """Apply every function of ``pipeline`` in order."""
    for fn in pipeline:
        text = fn(text)
    return text
