"""Plain-text parsing: headlines, bylines, clutter, digests, transcripts, lists, quotations."""

from __future__ import annotations

import pytest
from .parse_helpers import said

from audio_articles.parsing import ParseOptions, SpeakerLabels, parse_article
from audio_articles.parsing.clutter import clutter_reason


def removed(article) -> list[tuple[str, str]]:
    return [(item.reason, item.text) for item in article.removed]


def test_headline_byline_dateline_and_reflowed_paragraphs():
    article = parse_article(
        "Acme News - Full Text Articles\n\n"
        "City Council Approves New Bike Lanes\n\n"
        "By Jane Doe and Sam Roe, Acme News | Feb. 9, 2024\n\n"
        "SPRINGFIELD, Ill. (AP) — The council voted 7-2 on Tuesday to add\n"
        "twelve miles of protected lanes,  \n"
        "the largest expansion in the city's history.\n\n"
        "Work starts in May.\n"
    )
    assert article.title == "City Council Approves New Bike Lanes"
    assert article.author == "Jane Doe and Sam Roe"
    assert article.date == "Feb. 9, 2024"
    assert said(article) == [
        ("headline", "City Council Approves New Bike Lanes"),
        ("body", "The council voted 7-2 on Tuesday to add twelve miles of protected lanes, "
                 "the largest expansion in the city's history."),
        ("body", "Work starts in May."),
    ]  # fmt: skip
    assert removed(article) == [
        ("collection header", "Acme News - Full Text Articles"),
        ("byline", "By Jane Doe and Sam Roe, Acme News | Feb. 9, 2024"),
        ("dateline", "SPRINGFIELD, Ill. (AP) —"),
    ]


def test_paragraph_numbers_count_blocks_from_the_headline():
    article = parse_article('Headline Here\n\nFirst “quoted words go here,” she said.\n\nSecond.\n')
    assert [(s.paragraph, s.kind.value) for s in article.segments()] == [
        (1, "headline"), (2, "body"), (2, "quote"), (2, "body"), (3, "body"),
    ]  # fmt: skip


def test_one_sentence_per_line_is_one_paragraph():
    article = parse_article("A Title\n\nThe first sentence.\nThe second sentence.\nThe third one.\n")
    assert said(article)[1] == ("body", "The first sentence. The second sentence. The third one.")


def test_date_line_and_photo_caption_after_the_headline():
    article = parse_article(
        "Storm Closes Schools\n\nA flooded street on Monday. (Photo by Lee Park/Getty Images)\n\n"
        "Updated: March 3, 2024 at 5:10 PM\n\nSchools stay shut on Tuesday.\n"
    )
    assert article.date == "March 3, 2024"
    assert [reason for reason, _ in removed(article)] == ["photo caption", "date line"]  # source order
    assert said(article) == [("headline", "Storm Closes Schools"), ("body", "Schools stay shut on Tuesday.")]


@pytest.mark.parametrize(
    "line, reason",
    [
        ("Read More: U.S. Four-Star General Predicts War", "read-more link"),
        ("RELATED: Five things to know", "read-more link"),
        ("[time-brightcove not-tgx=”true”]", "embed artifact"),
        ("[/caption]", "embed artifact"),
        ("{% include newsletter.html %}", "template tag"),
        ("https://example.com/a/b?c=d", "bare URL"),
        ("Advertisement", "page furniture"),
        ("Share this article", "page furniture"),
        ("› Back to Top", "page furniture"),
        ("View this email in your browser", "page furniture"),
        ("Unsubscribe", "page furniture"),
        ("Audio Sources - Full Text Articles", "collection header"),
        ("FOR IMMEDIATE RELEASE", "press-release label"),
        ("Photo: Jane Doe/Reuters", "photo caption"),
        ("2:14 P.M. EST", "transcript time stamp"),
    ],
)
def test_clutter_rules(line, reason):
    assert clutter_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "Read more about it in the report, she said.",
        "Related projects were cancelled.",
        "The advertisement ran for a week.",
        "[Editor’s note] added later",
        "Back to top form, the team won.",
    ],
)
def test_prose_is_not_clutter(line):
    assert clutter_reason(line) is None


def test_clutter_line_inside_a_paragraph_is_removed_and_the_rest_kept():
    article = parse_article("Title Here\n\nFirst line of text.\nAdvertisement\nSecond line of text.\n")
    assert said(article)[1:] == [("body", "First line of text."), ("body", "Second line of text.")]
    assert removed(article) == [("page furniture", "Advertisement")]


def test_press_release_end_mark_drops_the_contact_block():
    article = parse_article(
        "FOR IMMEDIATE RELEASE\n\nAcme Opens a Factory in Ohio\n\n"
        "Acme said on Monday that it will hire 300 people.\n\n"
        "-end-\n\nMedia contact: Jo Bloggs\njo@acme.example\n+1 555 0100\n"
    )
    assert said(article) == [
        ("headline", "Acme Opens a Factory in Ohio"),
        ("body", "Acme said on Monday that it will hire 300 people."),
    ]
    assert [reason for reason, _ in removed(article)] == [
        "press-release label", "end of the release", "after the end of the release",
    ]  # fmt: skip


def test_contact_block_without_end_mark_is_removed():
    article = parse_article("A Title\n\nSome news here.\n\nPress contacts:\nAnn Lee, 555-0100\n")
    assert removed(article) == [("press contact", "Press contacts: Ann Lee, 555-0100")]


def test_digest_articles_become_sections_with_their_headlines():
    article = parse_article(
        "Morning Briefing\n\nRain Returns to the Coast\n\nForecasters expect two days of rain.\n\n"
        "› Back to Top\n\nMuseum Reopens After Repairs\n\nThe museum reopens on Friday.\n\n"
        "* * *\n\nTransit Fares Rise in March\n\nFares go up by ten cents.\n"
    )
    assert [section.title for section in article.sections] == [
        "Morning Briefing", "Rain Returns to the Coast", "Museum Reopens After Repairs", "Transit Fares Rise in March",
    ]  # fmt: skip
    kinds = [[s.kind.value for s in section.segments] for section in article.sections]
    assert kinds == [["headline"], ["headline", "body"], ["headline", "body"], ["headline", "body"]]
    assert ("article separator", "› Back to Top") in removed(article)


def test_scene_break_that_is_not_followed_by_a_headline_continues_the_article():
    article = parse_article("A Title\n\nFirst part of the story, told here.\n\n* * *\n\nLater that night, it rained.\n")
    assert len(article.sections) == 1
    assert said(article)[-1] == ("body", "Later that night, it rained.")


def test_plain_text_subheading_opens_a_section():
    article = parse_article("A Title\n\nThe opening paragraph is long enough.\n\nWhat Happens Next\n\nNobody knows yet, officials said.\n")
    assert [s.title for s in article.sections] == ["A Title", "What Happens Next"]


def test_underlined_and_hash_headings():
    article = parse_article("The Headline\n============\n\nIntro text.\n\n## Part Two\n\nMore text here.\n")
    assert said(article) == [
        ("headline", "The Headline"), ("body", "Intro text."), ("subheading", "Part Two"), ("body", "More text here."),
    ]  # fmt: skip


def test_plain_text_lists_are_items():
    article = parse_article("Packing List\n\nBring these:\n\n- a tent\n- two warm\n  sleeping bags\n1. first\n2) second\n")
    assert said(article)[2:] == [
        ("list_item", "a tent"), ("list_item", "two warm sleeping bags"), ("list_item", "1. first"), ("list_item", "2) second"),
    ]  # fmt: skip


TRANSCRIPT = (
    "Remarks by the President on the Economy\n\n"
    "2:14 P.M. EST\n\n"
    "THE PRESIDENT: Thank you. Please sit down. (Applause.)\n\n"
    "We did it together.\n\n"
    "THE PRESIDENT: And we will keep going. (Laughter.)\n"
    "Q: Mr. President, what about prices?\n\n"
    "THE PRESIDENT: They are falling.\n\n"
    "END 2:50 P.M. EST\n"
)


def test_transcript_labels_are_spoken_when_the_speaker_changes():
    article = parse_article(TRANSCRIPT)
    assert said(article) == [
        ("headline", "Remarks by the President on the Economy"),
        ("notice", "The President"),
        ("body", "Thank you. Please sit down."),
        ("body", "We did it together."),
        ("body", "And we will keep going."),
        ("notice", "Question"),
        ("body", "Mr. President, what about prices?"),
        ("notice", "The President"),
        ("body", "They are falling."),
    ]
    assert [s.speaker for s in article.segments()][1:5] == ["THE PRESIDENT"] * 4
    assert removed(article) == [
        ("transcript time stamp", "2:14 P.M. EST"),
        ("stage direction", "(Applause.)"),
        ("repeated speaker label", "THE PRESIDENT:"),
        ("stage direction", "(Laughter.)"),
        ("transcript time stamp", "END 2:50 P.M. EST"),
    ]


def test_transcript_options():
    never = parse_article(TRANSCRIPT, options=ParseOptions(speaker_labels=SpeakerLabels.NEVER, stage_directions=True))
    assert ("notice", "Applause.") in said(never)
    assert not any(text in ("The President", "Question") for _, text in said(never))
    always = parse_article(TRANSCRIPT, options=ParseOptions(speaker_labels=SpeakerLabels.ALWAYS))
    assert [text for kind, text in said(always) if kind == "notice"] == ["The President", "The President", "Question", "The President"]


def test_stage_directions_outside_transcripts_only_when_well_known():
    article = parse_article("A Speech\n\nThank you all. (Applause.) It grew (by a lot.) this year.\n")
    assert said(article)[1] == ("body", "Thank you all. It grew (by a lot.) this year.")


def test_colon_in_prose_is_not_a_speaker_label():
    article = parse_article("A Title\n\nNOTE: the office is closed.\n\nUPDATE: it reopened.\n\nAll fine.\n")
    assert article.segments().__next__().kind.value == "headline"
    assert all(s.speaker is None for s in article.segments())


def test_text_without_a_headline_uses_the_fallback_title():
    article = parse_article("This is just a paragraph of text that goes on, and on.\n", fallback_title="my notes")
    assert article.title == "my notes"
    assert said(article) == [("body", "This is just a paragraph of text that goes on, and on.")]


def test_front_matter_in_a_text_file_is_read_and_not_spoken():
    article = parse_article("---\ntitle: Saved Post\nauthor: Kim Lee\nlang: de\n---\n\nSaved Post\n\nThe body of the post.\n")
    assert (article.title, article.author, article.language) == ("Saved Post", "Kim Lee", "de")
    assert said(article) == [("headline", "Saved Post"), ("body", "The body of the post.")]
    assert removed(article) == [("front matter", "title: Saved Post author: Kim Lee lang: de")]
    assert article.sections[0].segments[1].start == len("---\ntitle: Saved Post\nauthor: Kim Lee\nlang: de\n---\n\nSaved Post\n\n")


def test_prose_starting_with_a_date_is_not_a_date_line():
    article = parse_article("A Cold Week\n\nMarch 3, 2024 was the coldest day of the year.\n")
    assert said(article)[1] == ("body", "March 3, 2024 was the coldest day of the year.")


def test_standfirst_and_role_byline_under_a_headline():
    article = parse_article(
        "Grids Strain in the Heat\nFactories asked to work at night\n\nAna Ruiz, energy correspondent\n"
        "Mon 17 Jul 2023 14.32 BST\n\nDemand hit a record on Monday, the operator said.\n"
    )
    assert (article.title, article.author, article.date) == ("Grids Strain in the Heat", "Ana Ruiz", "17 Jul 2023")
    assert said(article) == [
        ("headline", "Grids Strain in the Heat"),
        ("body", "Factories asked to work at night"),
        ("body", "Demand hit a record on Monday, the operator said."),
    ]
    assert [reason for reason, _ in removed(article)] == ["byline", "date line"]


def test_hash_inside_a_headline_is_kept():
    assert said(parse_article("Issue #4 of 0# 0\n\nText.\n"))[0] == ("headline", "Issue #4 of 0# 0")


def test_markdown_links_in_a_text_file_are_read_as_their_text():
    article = parse_article("A Title\n\nSee [the full report](https://example.org/report) and ![chart](c.png) here.\n")
    assert said(article)[1] == ("body", "See the full report and here.")
    assert removed(article) == [("link address", "https://example.org/report"), ("image", "chart c.png")]
