"""Shapes of real-world text (issue #22), one input -> output pair per class of problem.

The real corpus (tests/test_real_articles.py) holds what we could keep under a free
licence; these pairs cover the shapes it lacks: scraped web pages, wiki crawls, feed dumps,
Hugo/Zola front matter, other languages' contact blocks.
"""

from __future__ import annotations

import pytest

from audio_articles.parsing import parse_article

from .parse_helpers import said


def txt(text: str):
    return parse_article(text, fallback_title="file name")


def md(text: str):
    return parse_article(text, markdown=True, fallback_title="file name")


def reasons(article) -> list[str]:
    return [item.reason for item in article.removed]


def spoken(article) -> str:
    return " ".join(text for _, text in said(article))


# -- titles ---------------------------------------------------------------------------


def test_headline_glued_to_a_credited_caption_is_still_the_title():
    article = txt(
        "Webb Finds Water on a Distant World\n"
        "An artist's view of the planet, seen beside its star. Credits: NASA/ESA/CSA\n\n"
        "The telescope measured the planet's atmosphere over three transits.\n"
    )
    assert article.title == "Webb Finds Water on a Distant World"
    assert "Credits" not in spoken(article)
    assert "photo caption" in reasons(article)


@pytest.mark.parametrize("parse", [txt, md])
def test_toml_front_matter_gives_the_title_and_is_not_spoken(parse):
    article = parse('+++\ntitle = "Zola and Hugo posts"\ndate = 2024-05-01\n+++\n\nThe post opens with prose here.\n')
    assert article.title == "Zola and Hugo posts"
    assert article.date == "2024-05-01"
    assert "date =" not in spoken(article)
    assert reasons(article) == ["front matter"]


@pytest.mark.parametrize(
    ("headline", "title"),
    [("Apollo 11 - Wikipedia", "Apollo 11"), ("Budget passes at last | The Daily Record", "Budget passes at last")],
)
def test_a_site_name_is_not_part_of_the_title(headline, title):
    assert txt(f"{headline}\n\nThe article itself starts here, with a sentence.\n").title == title


def test_never_the_file_name_when_the_text_opens_with_a_headline_like_line():
    article = txt("Harbour Cleanup Draws Hundreds\nVolunteers gathered at dawn on Saturday and worked until noon, collecting bags.\n")
    assert article.title != "file name"


# -- page furniture --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Skip to main content", "page furniture"),
        ("Image 1 of 3", "page furniture"),
        ("The rover on the crater rim. (Image credit: NASA/JPL-Caltech)", "photo caption"),
        ("Jane Doe · about 20 hours ago", "byline"),
        ("12 likes · 3 comments · 2 restacks", "like/comment counter"),
        ("Discussion about this post", "readers' comments"),
        ("© 2026 The Harbour Post · Privacy ∙ Terms", "page footer"),
        ("Sign up for our free weekly newsletter", "newsletter sign-up"),
        ("Retrieved from https://en.example.org/wiki/Apollo_11", "references"),
        ("Categories: Apollo program | Crewed missions", "references"),
        ("^ Jump up to: a b c Smith, J. (2019). Moon. ISSN 1234-5678.", "references"),
        ("[edit]", "page furniture"),
    ],
)
@pytest.mark.parametrize("parse", [txt, md])
def test_furniture_lines_are_removed_with_their_reason(line, reason, parse):
    article = parse(f"# Harbour cleanup draws hundreds\n\nVolunteers collected forty bags of rubbish.\n\n{line}\n")
    assert line.split()[0] not in spoken(article).replace("Harbour", "")
    assert reason in reasons(article)


def test_a_menu_of_short_lines_is_not_spoken():
    article = txt("Harbour cleanup draws hundreds\n\nNews\nSport\nTrending\nWeather\n\nVolunteers collected forty bags of rubbish.\n")
    assert "Sport" not in spoken(article)
    assert "navigation menu" in reasons(article)


@pytest.mark.parametrize("heading", ["Kontakt", "Contacto de prensa:", "Contact presse", "Media contacts"])
@pytest.mark.parametrize("parse", [txt, md])
def test_contact_blocks_in_any_language_and_format_are_removed(heading, parse):
    body = "# Neue Brücke eröffnet\n\nDie Brücke ist ab heute für alle offen.\n\n"
    if parse is md:
        body += f"## {heading}\n\nAnna Beispiel\nanna [at] stadt.example\n"
    else:
        body += f"{heading}\nAnna Beispiel\nanna [at] stadt.example\n"
    article = parse(body)
    assert "Anna" not in spoken(article)
    assert "press contact" in reasons(article)


@pytest.mark.parametrize("mark", ["###", "-30-"])
def test_a_release_end_mark_ends_a_markdown_article_too(mark):
    article = md(f"# Park reopens\n\nThe park reopens on Monday.\n\n{mark}\n\nAbout the Parks Service: it runs parks.\n")
    assert spoken(article) == "Park reopens The park reopens on Monday."
    assert "after the end of the release" in reasons(article)


# -- markup ----------------------------------------------------------------------------


def test_heading_attributes_are_not_spoken():
    article = md("# Title\n\n## A heading {#some-id}\n\nText under the heading here.\n")
    assert ("subheading", "A heading") in said(article)
    assert "heading attributes" in reasons(article)


@pytest.mark.parametrize("parse", [txt, md])
def test_editorial_marks_say_only_the_editors_word(parse):
    article = parse("# Remarks\n\nIt saves <s>$159,000</s> \\[$159 billion\\] for seniors, racial equadity \\[sic\\] too.\n")
    text = spoken(article)
    assert "$159,000" not in text and "$159 billion" in text and "sic" not in text
    assert {"struck-out text", "editorial mark"} <= set(reasons(article))


def test_a_hugo_pull_quote_is_a_quotation_and_its_credit_not_body():
    article = md('# Post\n\nIntro text of the post.\n\n{{< quote-block text="People learn best by doing the work themselves." cite="Ana Ruiz" >}}\n')
    assert ("quote", "People learn best by doing the work themselves.") in said(article)
    assert "Ana Ruiz" not in spoken(article)
    assert "pull-quote credit" in reasons(article)


def test_an_aside_pull_quote_credit_is_not_read_as_body():
    article = md("# Post\n\nIntro text of the post.\n\n<aside>\n“Ship small changes, and ship them often.” — @janedoe\n</aside>\n")
    assert ("quote", "Ship small changes, and ship them often.") in said(article)
    assert "janedoe" not in spoken(article)


# -- quotations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paragraph",
    [
        "She recommended “Backward Compatibility, Go 1.21, and Go 2” to every new team.",
        "On a scale where 1 means “Strongly Disagree, not at all” most answered 6.",
        "Most respondents chose “lack of time / not a priority” as the main reason.",
        "The ad, entitled “Jack of all trades and master of one,” ran in May.",
    ],
)
def test_quoted_titles_labels_and_options_are_not_speech(paragraph):
    article = txt(f"Survey results\n\n{paragraph}\n")
    assert [kind for kind, _ in said(article)][1:] == ["body"]


def test_two_apostrophes_close_a_quotation():
    article = txt("Notes\n\nADRs may be too “in the weeds'' for managers. She said “we will go there now,” then left.\n")
    assert [text for kind, text in said(article) if kind == "quote"] == ["we will go there now,"]


def test_british_single_quotes_are_quotations():
    article = txt("Minister speaks\n\n‘We will not back down on this,’ the minister said on Monday.\n")
    assert ("quote", "We will not back down on this,") in said(article)


def test_attributed_quotations_are_still_speech():
    article = txt("Minister speaks\n\n“The bridge opens in May,” the mayor said. “It is on time.”\n")
    assert [kind for kind, _ in said(article)][1:] == ["quote", "body", "quote"]


# -- feed dumps ------------------------------------------------------------------------


def test_a_feed_dump_is_one_section_per_item_without_its_labels():
    article = txt(
        "Title: Webb spots a new moon\n"
        "Link: https://example.gov/news/moon\n"
        "Description: Astronomers found a small moon around a distant planet.\n"
        "Publication Date: Mon, 01 Jul 2024 10:00:00 GMT\n"
        "--------------------------------------------------\n"
        "Title: Rover climbs a ridge\n"
        "Link: https://example.gov/news/ridge\n"
        "Description: The rover reached the top after a month of driving.\n"
        "Publication Date: Tue, 02 Jul 2024 10:00:00 GMT\n"
    )
    assert [section.title for section in article.sections] == ["Webb spots a new moon", "Rover climbs a ridge"]
    text = spoken(article)
    assert "Link" not in text and "Description" not in text and "https" not in text and "GMT" not in text


@pytest.mark.parametrize("parse", [txt, md])
def test_a_photo_credit_glued_to_a_caption_is_not_read(parse):
    article = parse("# Bridge opens\n\nThe mayor cuts the ribbon on Monday. Jane Doe/City Agency\n\nTraffic flowed by noon.\n")
    assert "Jane Doe" not in spoken(article)
    assert "photo credit" in reasons(article)


def test_a_markdown_list_of_links_only_is_navigation():
    article = md("# Story\n\n* [News](/news)\n* [Sport](/sport)\n* [Most popular today](/top)\n\nThe story itself is told here.\n")
    assert spoken(article) == "Story The story itself is told here."
    assert reasons(article).count("links") == 3


def test_a_list_with_prose_around_its_links_is_spoken():
    article = md("# Story\n\n* Read [the report](/r) first\n* [Sport](/sport)\n* [Weather](/w)\n\nBody.\n")
    assert "the report" in spoken(article)


def test_a_myst_term_says_its_words_not_its_target():
    article = md("# Glossary\n\nA {term}`lexicon <glossary-lexicon>` respells words.\n")
    assert ("body", "A lexicon respells words.") in said(article)


PROSE = "Volunteers collected forty bags of rubbish from the harbour on Saturday, and the council said it would return next spring."


def test_short_capitalised_lines_inside_the_main_run_of_prose_are_spoken():
    article = txt(f"Harbour cleanup\n\n{PROSE}\n\nRed Boats\nBlue Water\nGrey Gulls\n\n{PROSE}\n")
    assert "Blue Water" in spoken(article)


@pytest.mark.parametrize(
    "line",
    [
        "Child tax credit: $2,000 per child",
        "The privacy bill sets terms for data brokers.",
        "We get asked about the newsletter a lot.",
        "He left 3 days ago.",
        "2024",
        "The book (ISBN 978-3-16) sold well",
    ],
)
def test_prose_that_mentions_furniture_words_is_spoken(line):
    article = txt(f"Harbour cleanup\n\n{PROSE}\n\n{line}\n\n{PROSE}\n")
    assert line.split()[0] in spoken(article).replace("Harbour", "")
    assert not article.removed


@pytest.mark.parametrize("parse", [txt, md])
def test_readers_comments_after_the_article_are_not_spoken(parse):
    article = parse(f"# Harbour cleanup\n\n{PROSE}\n\n12 Comments\n\nGreat work everyone, see you next spring at the harbour!\n")
    assert "Great work" not in spoken(article)
    assert "readers' comments" in reasons(article)


def test_a_most_popular_list_under_its_heading_is_not_spoken():
    article = txt(f"Harbour cleanup\n\n{PROSE}\n\nMost popular\n\nCouncil raises parking fees again\n\nLocal team wins the cup\n")
    assert "parking" not in spoken(article) and "cup" not in spoken(article)
    assert reasons(article).count("related links") == 3


@pytest.mark.parametrize("parse", [txt, md])
def test_citation_markers_and_edit_links_are_not_read(parse):
    article = parse("# Apollo 11\n\n## History[edit]\n\nApollo 11 landed on the Moon in 1969.[1][2] It was the first crewed landing.[citation needed]\n")
    assert "[" not in spoken(article) and "edit" not in spoken(article)
    assert {"citation marker", "edit link"} <= set(reasons(article))


def test_a_cookie_banner_is_not_spoken():
    article = txt(f"Harbour cleanup\n\n{PROSE}\n\nWe use cookies to improve your experience. Accept all cookies\n")
    assert "cookies" not in spoken(article)


def test_a_pull_quote_before_any_text_comes_after_the_headline():
    article = md('---\ntitle: Trust\n---\n\n{{< quote-block text="The people when trusted will return the trust." cite="A. Lincoln" >}}\n\nBody text.\n')
    assert [kind for kind, _ in said(article)] == ["headline", "quote", "body"]


@pytest.mark.parametrize("parse", [txt, md])
def test_emoji_shortcodes_are_not_read(parse):
    article = parse("# Shout-outs\n\n:tada: Congratulations to the team, the launch went well at 10:30:00 today.\n")
    assert "tada" not in spoken(article) and "10:30:00" in spoken(article)
