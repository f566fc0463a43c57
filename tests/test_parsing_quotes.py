"""Quotations: which words go to the second voice."""

from __future__ import annotations

import pytest

from audio_articles.parsing import ParseOptions, parse_article

from .parse_helpers import said


def body(text: str, **options) -> list[tuple[str, str]]:
    """Segments of one paragraph under a headline."""
    return said(parse_article("Headline\n\n" + text, options=ParseOptions(**options)))[1:]


@pytest.mark.parametrize(
    "text, quoted",
    [
        ("He said “we will win this war,” loudly.", "we will win this war,"),
        ('He said "we will win this war," loudly.', "we will win this war,"),
        ("Il a dit « nous allons gagner cette guerre » hier.", "nous allons gagner cette guerre"),
        ("Er sagte „wir werden diesen Krieg gewinnen“ gestern.", "wir werden diesen Krieg gewinnen"),
    ],
)
def test_quotation_marks_of_several_languages(text, quoted):
    assert ("quote", quoted) in body(text)


def test_nested_single_quotes_stay_inside_the_quotation():
    segments = body("“We oppose the ‘rule based order,’ and we always will,” the statement said.")
    assert segments == [
        ("quote", "We oppose the ‘rule based order,’ and we always will,"),
        ("body", "the statement said."),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "China’s leaders don’t agree with O’Hara about the ’90s.",
        "It was rock ’n’ roll, and the kids’ favourite.",
        "He's 6'2\" tall and weighs 80kg, they're sure.",
    ],
)
def test_apostrophes_are_never_quotation_marks(text):
    assert [kind for kind, _ in body(text)] == ["body"]


def test_quotation_spanning_sentences_and_attribution_in_body_voice():
    segments = body("“This is one. This is two. And three,” the minister said. “Four words right here.”")
    assert segments == [
        ("quote", "This is one. This is two. And three,"),
        ("body", "the minister said."),
        ("quote", "Four words right here."),
    ]


def test_scare_quotes_stay_in_the_body_voice_and_threshold_is_configurable():
    text = "Mao called the accusations “paranoia,” Bloomberg reported, “a total lie.”"
    assert [kind for kind, _ in body(text)] == ["body"]
    assert [kind for kind, _ in body(text, min_quote_words=1)] == ["body", "quote", "body", "quote"]


def test_quotation_continues_into_the_next_paragraph():
    article = parse_article(
        "Headline\n\n“The first paragraph of a long statement\n\n“and it goes on.”\n\nAfter that, body.\n"
    )
    assert said(article)[1:] == [
        ("quote", "The first paragraph of a long statement"),
        ("quote", "and it goes on."),
        ("body", "After that, body."),
    ]


def test_unbalanced_quotation_ends_with_its_paragraph():
    article = parse_article("Headline\n\nShe said “this never closes and keeps going\n\nThe next paragraph is plain body.\n")
    assert said(article)[1:] == [
        ("body", "She said"),
        ("quote", "this never closes and keeps going"),
        ("body", "The next paragraph is plain body."),
    ]


def test_closing_marks_used_as_openers():
    assert ("quote", "multipolar system of international relations,") in body(
        "It will build a ”multipolar system of international relations,” it said."
    )
