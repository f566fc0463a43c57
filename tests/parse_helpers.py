"""Helpers shared by the parser tests: what an article says, and the nothing-lost check."""

from __future__ import annotations

import re

from audio_articles.model import Article, Segment, SegmentKind
from audio_articles.parsing.markdown import NOTICES
from audio_articles.parsing.text import JOINERS, words
from audio_articles.parsing.transcript import spoken_label

# Notices the parser writes itself ("Python code skipped."): not words of the source.
_GENERATED = re.compile(
    "|".join(re.escape(text).replace(re.escape("{language}"), r"\S+") for table in NOTICES.values() for text in table.values())
)


# A backslash escape of a character that joins words ("snake\_case", "0\.5") is markup:
# the parser takes the backslash out, and the two sides become one word. Both the source
# and what the parser gives are compared without such backslashes.
_JOINING_ESCAPE = re.compile(rf"\\(?=[{re.escape(JOINERS)}])")


def comparable_words(text: str) -> list[str]:
    """``words`` of ``text``, backslash escapes of joining characters taken out first."""
    return words(_JOINING_ESCAPE.sub("", text))


def said(article: Article) -> list[tuple[str, str]]:
    """(kind, text) of every segment in reading order."""
    return [(segment.kind.value, segment.text) for segment in article.segments()]


def source_words_of(segment: Segment) -> list[str]:
    """The source words a segment speaks: a speaker notice says its label, a code notice none."""
    if segment.kind is SegmentKind.NOTICE:
        if segment.speaker and segment.text == spoken_label(segment.speaker):
            return comparable_words(segment.speaker)
        if _GENERATED.fullmatch(segment.text):
            return []
    return comparable_words(segment.text)


def spoken_words(article: Article) -> list[str]:
    """Words of the spoken segments that come from the source, in reading order."""
    return [word for segment in article.segments() for word in source_words_of(segment)]


def removed_words(article: Article) -> list[str]:
    return [word for item in article.removed for word in comparable_words(item.text)]


def is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    remaining = iter(haystack)
    return all(any(word == candidate for candidate in remaining) for word in needles)


def assert_nothing_lost(source_words: list[str], article: Article) -> None:
    """Every source word is spoken (in reading order) or removed with a reason, exactly once."""
    spoken = spoken_words(article)
    assert sorted(spoken + removed_words(article)) == sorted(source_words)
    assert is_subsequence(spoken, source_words), "spoken words are out of reading order"
