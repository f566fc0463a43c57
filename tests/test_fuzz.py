"""Fuzzing the front half of the pipeline: random Unicode, random Markdown and random
quote marks go through parse -> speech plan without a crash, lose no word, never speak
markup or script, and never hand the engine an empty text.

`make test` runs a fixed number of examples; `make fuzz` runs many more
(HYPOTHESIS_PROFILE=fuzz)."""

from __future__ import annotations

import functools

from hypothesis import example, given
from hypothesis import strategies as st

from audio_articles.errors import AudioArticlesError
from audio_articles.parsing import parse_article
from audio_articles.parsing.text import words
from audio_articles.plan import plan_speech
from audio_articles.speech.resolve import engine_catalog
from audio_articles.speech.voices import load_profile

from .parse_helpers import assert_nothing_lost, comparable_words

QUOTE_MARKS = list("“”\"«»„‘’'‹›「」")
WORDS = "the minister said we will win China’s don’t O’Hara année Straße 東京 Москва 2024 $4.6 U.S. 🎉".split()
MARKDOWN_PIECES = [
    "# ", "## ", "### ", "> ", "- ", "* ", "1. ", "\n\n", "\n", "  \n", " ", "**", "_", "\\",
    "```python\nprint('hi')\n```", "    indented code\n", "[a link](https://example.com/x)",
    "![a picture](pic.png)", "<script>alert('boo')</script>", "<iframe src='https://x'></iframe>",
    "<style>p{}</style>", "<b>bold</b>", "&amp;", "&#x27;", "&nbsp;", "[^1]", "\n[^1]: A footnote.\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n", "---\ntitle: Fuzz\nlang: en\n---\n", "{% raw %}", "{% endraw %}",
    "(label)=\n", "{cite}`key`", "<!-- more -->", "***\n", "Read More: Other story\n",
]  # fmt: skip

random_markdown = st.lists(st.sampled_from(MARKDOWN_PIECES + QUOTE_MARKS + WORDS), max_size=60).map("".join)
quote_soup = st.lists(st.sampled_from(QUOTE_MARKS + WORDS + [" ", " ", "\n\n", ", ", ". "]), max_size=80).map("".join)
any_text = st.one_of(st.text(max_size=400), quote_soup, random_markdown)


@functools.cache
def default_profile():
    return load_profile("default")


def plan(article):
    return plan_speech(article, default_profile(), catalog=engine_catalog("pyttsx3"))


def check_jobs(article) -> list:
    try:
        jobs = plan(article)
    except AudioArticlesError:
        return []  # e.g. a language no installed voice speaks: a clear error is fine
    for job in jobs:
        assert job.spoken.strip(), job  # the engine never gets an empty text
        assert any(ch.isalnum() for ch in job.spoken), job
    return jobs


@given(any_text)
@example("0**0**")  # bold marks glued to words: taking them out would join two words
@example("0’**0**")
@example("**0**’0")
@example("0\\_0")  # an escaped underscore is one word with its neighbours
def test_fuzz_plain_text_never_crashes_and_loses_nothing(text):
    article = parse_article(text)
    assert_nothing_lost(comparable_words(text), article)
    check_jobs(article)


@given(quote_soup)
def test_fuzz_random_quote_marks_keep_reading_order(text):
    article = parse_article(text)
    assert_nothing_lost(words(text), article)
    for segment in article.segments():
        assert segment.text.strip()


@given(random_markdown)
def test_fuzz_random_markdown_never_speaks_markup_or_script(text):
    article = parse_article(text, markdown=True)
    for job in check_jobs(article):
        for forbidden in ("<script", "alert(", "<iframe", "</", "{%", "](", "&amp;", "<!--"):
            assert forbidden not in job.spoken, (forbidden, job.spoken)
