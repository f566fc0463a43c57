"""Markdown parsing: structure, front matter, and markup that is never spoken."""

from __future__ import annotations

from audio_articles.parsing import ParseOptions, parse_article

from .parse_helpers import said


def md(text: str, **options):
    return parse_article(text, markdown=True, options=ParseOptions(**options))


def reasons(article) -> list[str]:
    return [item.reason for item in article.removed]


def test_front_matter_gives_title_author_date_language_and_is_not_spoken():
    article = md("---\ntitle: Le Grand Départ\nauthor:\n  name: Claire Martin\ndate: 2024-07-01\nlang: fr\n---\n\nUn paragraphe.\n")
    assert (article.title, article.author, article.date, article.language) == (
        "Le Grand Départ", "Claire Martin", "2024-07-01", "fr",
    )  # fmt: skip
    assert said(article) == [("headline", "Le Grand Départ"), ("body", "Un paragraphe.")]
    assert reasons(article) == ["front matter"]


def test_h1_is_the_headline_and_h2_h3_open_sections():
    article = md("# Title\n\nIntro.\n\n## Part A\n\nText A.\n\n### Part B\n\nText B.\n\n#### Detail\n\nText C.\n")
    assert [s.title for s in article.sections] == ["Title", "Part A", "Part B"]
    assert [s.paragraph for s in article.segments()] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert said(article)[-2:] == [("subheading", "Detail"), ("body", "Text C.")]


def test_several_h1_make_a_digest():
    article = md("# First Story\n\nOne.\n\n---\n\n# Second Story\n\nTwo.\n")
    assert [s.title for s in article.sections] == ["First Story", "Second Story"]
    assert article.title == "First Story"


def test_blockquote_lists_links_emphasis_inline_code_entities():
    article = md(
        "# T\n\n> To be or not to be, that is the question.\n\n"
        "- a **bold** [link](https://example.com) item\n- run `make test` &amp; wait\n\n"
        "1. first\n2. second\n"
    )
    assert said(article)[1:] == [
        ("quote", "To be or not to be, that is the question."),
        ("list_item", "a bold link item"),
        ("list_item", "run make test & wait"),
        ("list_item", "1. first"),
        ("list_item", "2. second"),
    ]


def test_blockquote_with_its_own_quotation_marks_keeps_attribution_in_body():
    article = md("# T\n\n> “Premature optimization is the root of all evil,” Knuth wrote.\n")
    assert said(article)[1:] == [("quote", "Premature optimization is the root of all evil,"), ("body", "Knuth wrote.")]


def test_code_blocks_and_tables_are_skipped_with_a_notice():
    text = "# T\n\n```python\nprint(1)\n```\n\n    indented code\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nEnd.\n"
    article = md(text)
    assert said(article)[1:] == [
        ("notice", "Python code skipped."), ("notice", "Code block skipped."), ("notice", "Table skipped."), ("body", "End."),
    ]  # fmt: skip
    assert reasons(article) == ["code block", "code block", "table"]
    assert said(md(text, code_notice=False))[1:] == [("body", "End.")]


def test_notices_follow_the_article_language():
    article = md("---\nlang: fr\n---\n# T\n\n```\nx\n```\n")
    assert said(article)[-1] == ("notice", "Bloc de code omis.")


def test_raw_html_script_style_iframe_and_comments_are_never_spoken():
    article = md(
        "# T\n\n<div class=\"note\">Visible &amp; kept.</div>\n\n<script>alert('x')</script>\n\n"
        "<style>p { color: red }</style>\n\n<iframe src=\"https://v.example/embed\"></iframe>\n\n"
        "<!-- more -->\n\nText with <span>inline</span> tags.\n"
    )
    assert said(article)[1:] == [("body", "Visible & kept."), ("body", "Text with inline tags.")]
    spoken = " ".join(text for _, text in said(article))
    assert "alert" not in spoken and "color" not in spoken and "more" not in spoken


def test_images_skipped_or_alt_text():
    text = "# T\n\nSee the chart ![Sales doubled in May](chart.png).\n"
    assert said(md(text))[1] == ("body", "See the chart.")
    assert said(md(text, image_alt=True))[1] == ("body", "See the chart Sales doubled in May.")


def test_footnotes_myst_and_liquid_markup_are_not_spoken():
    article = md(
        "(sec-intro)=\n# T\n\nAs shown before[^1], see {cite}`knuth1974` and {ref}`the intro <sec-intro>`.\n\n"
        "% a MyST comment\n\n{% raw %}\nUse {{ page.title }} here.\n{% endraw %}\n\n"
        "```{note}\nRemember this.\n```\n\n```{toctree}\nchapter1\n```\n\n[^1]: Knuth, 1974.\n"
    )
    assert said(article)[1:] == [
        ("body", "As shown before, see and the intro."),
        ("body", "Use here."),
        ("body", "Remember this."),
    ]
    assert sorted(set(reasons(article))) == ["MyST label", "MyST reference", "comment", "footnote", "template tag", "toctree directive"]


def test_liquid_highlight_block_is_code():
    article = md("# T\n\n{% highlight ruby %}\nputs 1\n{% endhighlight %}\n\nAfter.\n")
    assert said(article)[1:] == [("notice", "Ruby code skipped."), ("body", "After.")]


def test_clutter_lines_in_markdown_paragraphs():
    article = md("# T\n\nA paragraph.\n\nRead more: [Another story](https://x.example)\n\nAdvertisement\n")
    assert said(article)[1:] == [("body", "A paragraph.")]
    assert reasons(article) == ["link address", "read-more link", "page furniture"]


def test_markdown_transcript_with_bold_speaker_labels():
    article = md("# Briefing\n\n**THE PRESIDENT:** Thank you.\n\n**Q:** What about taxes?\n\n**THE PRESIDENT:** Lower. (Laughter.)\n")
    assert said(article)[1:] == [
        ("notice", "The President"), ("body", "Thank you."), ("notice", "Question"), ("body", "What about taxes?"),
        ("notice", "The President"), ("body", "Lower."),
    ]  # fmt: skip
    assert reasons(article) == ["stage direction"]


def test_inline_script_and_iframe_content_is_never_spoken():
    article = md("# <script>alert(1)</script>Title\n\nSay <script>alert('boo')</script> hi <iframe src='x'></iframe> and <b>bold</b>.\n")
    assert said(article) == [("headline", "Title"), ("body", "Say hi and bold.")]
    assert [(item.reason, item.text) for item in article.removed] == [
        ("HTML embed or script", "alert(1)"), ("HTML embed or script", "alert('boo')"),
    ]  # fmt: skip


def test_escaped_markup_and_tags_in_inline_code_are_not_read_as_symbols():
    article = md("# T\n\nUse the `<div>` element, \\<script>alert(1)</script> \\&amp; \\[x](https://e.org) <!-- note -->.\n")
    assert said(article)[1] == ("body", "Use the div element, & x.")
    assert "alert" not in " ".join(text for _, text in said(article))
