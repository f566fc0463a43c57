"""HTML pages: the mapping onto the Article model (pages written here) and the real-page
corpus (tests/data/web: titles, sentences that must and must not be spoken)."""

from __future__ import annotations

import pytest

from audio_articles.errors import InputError
from audio_articles.model import SegmentKind
from audio_articles.parsing.html import NoArticleError, page_title, parse_html
from audio_articles.sources import decode_page, load_source, sniff_format
from .web_corpus import corpus

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Moon Rocks Tell a Story | Example Science Blog</title>
<meta property="og:site_name" content="Example Science Blog">
<meta name="author" content="Ada Writer">
<meta property="article:published_time" content="2024-03-05T10:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/contact">Contact</a></nav>
<article><h1>Moon Rocks Tell a Story</h1>
<p>Scientists studying samples returned from the Moon have found new evidence about its early history, and the findings surprised many of them.</p>
<figure><img src="a.jpg" alt="rock"><figcaption>A lunar sample in the lab. Photo: Jane Doe</figcaption></figure>
<h2>What the samples show</h2>
<p>The rocks contain tiny glass beads that formed during ancient impacts, which trap gases from the time they cooled.</p>
<blockquote><p>This changes how we think about the Moon's first billion years of history.</p></blockquote>
<p>“We did not expect to find so much water in these beads,” the lead author said in a statement on Tuesday.</p>
<ul><li>Glass beads hold water from the early Moon.</li><li>Impacts were frequent in those days.</li></ul>
<table><tr><th>Sample</th><th>Water</th></tr><tr><td>A12</td><td>40 ppm</td></tr></table>
<pre><code>print("hello from the lab")</code></pre>
<h2>What comes next</h2>
<p>The team plans to study more samples from the next lunar missions over the coming years.</p>
<p>Read more: Another story about Mars rovers</p>
</article><footer>Copyright 2024 Example. All rights reserved. Privacy policy.</footer></body></html>"""


@pytest.fixture(scope="module")
def article():
    return parse_html(PAGE)


def kinds(article):
    return [(segment.kind, segment.text) for segment in article.segments()]


def test_metadata_title_author_date(article):
    assert article.title == "Moon Rocks Tell a Story"
    assert article.author == "Ada Writer"
    assert article.date == "2024-03-05"
    assert article.language == "en"


def test_headings_become_sections(article):
    assert [section.title for section in article.sections] == [
        "Moon Rocks Tell a Story", "What the samples show", "What comes next"
    ]
    assert kinds(article)[0] == (SegmentKind.HEADLINE, "Moon Rocks Tell a Story")


def test_quotes_lists_and_notices(article):
    found = kinds(article)
    assert (SegmentKind.QUOTE, "This changes how we think about the Moon's first billion years of history.") in found
    assert any(kind == SegmentKind.QUOTE and "We did not expect" in text for kind, text in found)
    assert (SegmentKind.LIST_ITEM, "Glass beads hold water from the early Moon.") in found
    assert (SegmentKind.NOTICE, "Table skipped.") in found
    assert (SegmentKind.NOTICE, "Code block skipped.") in found


def test_clutter_and_captions_are_removed_with_reasons(article):
    spoken = " ".join(text for _, text in kinds(article))
    for gone in ("Home", "About us", "Copyright", "lunar sample in the lab", "Read more", "print("):
        assert gone not in spoken
    reasons = {item.reason for item in article.removed}
    assert {"figure caption", "read-more link", "code block", "table"} <= reasons


def test_related_links_heading_and_its_teasers_are_removed():
    page = PAGE.replace(
        "<h2>What comes next</h2>",
        "<h2>You might also like</h2><ul><li>Mars rovers find a new kind of rock on an old crater floor</li></ul>"
        "<h2>What comes next</h2>",
    )
    article = parse_html(page)
    assert "Mars rovers" not in " ".join(s.text for s in article.segments())
    assert any(item.reason == "related links" for item in article.removed)
    assert "The team plans" in " ".join(s.text for s in article.segments())


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Kids and Depression | USAGov", "USAGov", "Kids and Depression"),
        ("NASA: Webb Sees a Galaxy", "NASA", "Webb Sees a Galaxy"),
        ("A Post — Jane's Blog", "Jane's Blog", "A Post"),
        ("Left - right: a guide", None, "Left - right: a guide"),
    ],
)
def test_site_name_is_stripped_from_the_title(title, site, expected):
    assert page_title(title, site) == expected


def test_page_without_article_text_is_a_clear_error():
    shell = '<!doctype html><html><head><title>App</title></head><body><div id="root"></div><script>app()</script></body></html>'
    with pytest.raises(NoArticleError, match="no article text found"):
        parse_html(shell, name="app.html")


def test_binary_file_named_html(tmp_path):
    path = tmp_path / "photo.html"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10)
    with pytest.raises(InputError, match="binary"):
        load_source(str(path))


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("<html><head><meta charset='windows-1252'></head><body>Café</body></html>".encode("cp1252"), None, "Café"),
        ("<html><body>Café</body></html>".encode("utf-8"), "iso-8859-1", "Café"),  # mis-declared
        ("<html><body>Café</body></html>".encode("cp1252"), "utf-8", "Café"),  # mis-declared the other way
        (b"\xef\xbb\xbf<html><body>Caf\xc3\xa9</body></html>", None, "Café"),  # BOM
        ("<html><body>Café</body></html>".encode("utf-16"), None, "Café"),
        # UTF-8 with one character cut in two (as saved pages have): still UTF-8.
        (("<html><body>" + "Zażółć gęślą jaźń. " * 20).encode("utf-8") + b"\xc3</body></html>", None, "gęślą"),
    ],
)
def test_charsets(data, declared, expected):
    assert expected in decode_page(data, declared, "page.html")


def test_format_is_told_from_content():
    assert sniff_format(PAGE) == "html"
    assert sniff_format("# Title\n\nText with a [link](https://example.org).") == "markdown"
    assert sniff_format("Title\n\nPlain words.") == "text"


def test_html_file_through_load_source(tmp_path):
    path = tmp_path / "moon.html"
    path.write_text(PAGE, encoding="utf-8")
    article, origin = load_source(str(path))
    assert origin.format == "html" and article.title == "Moon Rocks Tell a Story"


# -- the real pages --------------------------------------------------------------------

PAGES = corpus()


def test_corpus_has_at_least_30_pages():
    assert len(PAGES) >= 30


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_real_page_is_committed(page):
    """A page of expected.toml without its files is a failure, never a skip."""
    assert page.html.is_file(), f"missing {page.html}"
    assert page.truth.is_file(), f"missing {page.truth}"
    assert page.truth.read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_real_page(page, request):
    if page.xfail:
        request.applymarker(pytest.mark.xfail(reason=page.xfail, strict=True))
    article, _ = load_source(str(page.html))
    assert article.title == page.title
    spoken = "\n".join(segment.text for segment in article.segments())
    for sentence in page.must:
        assert sentence in spoken
    for text in page.must_not:
        assert text not in spoken
    assert article.date  # the feed's pubDate comes from it
