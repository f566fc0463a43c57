"""Nothing lost: every word of the input is spoken, in reading order, or removed with a reason.

Checked on generated articles (plain text and Markdown) and on arbitrary text.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from audio_articles.model import SegmentKind
from audio_articles.parsing import ParseOptions, SpeakerLabels, parse_article
from audio_articles.parsing.text import words

from .parse_helpers import assert_nothing_lost

VOCABULARY = (
    "the minister said we will win China’s don’t O’Hara ’90s rock ’n’ roll market rose 7-2 U.S. Putin "
    "statement week first ministry council tax said, voted. and of to in it’s année élève déjà Straße"
).split()

word = st.sampled_from(VOCABULARY)
phrase = st.lists(word, min_size=1, max_size=12).map(" ".join)
QUOTE_PAIRS = [("“", "”"), ('"', '"'), ("« ", " »"), ("„", "“"), ("“", "")]


@st.composite
def sentence(draw) -> str:
    text = draw(phrase)
    if draw(st.booleans()):
        opener, closer = draw(st.sampled_from(QUOTE_PAIRS))
        inner = draw(phrase)
        if draw(st.booleans()):
            inner += " ‘" + draw(phrase) + "’"
        text = f"{text} {opener}{inner},{closer} {draw(phrase)}"
    return text[0].upper() + text[1:] + "."


@st.composite
def paragraph(draw) -> str:
    text = " ".join(draw(st.lists(sentence(), min_size=1, max_size=4)))
    width = draw(st.integers(20, 90))
    lines, line = [], ""
    for token in text.split():  # hard-wrap like a saved e-mail
        if line and len(line) + len(token) > width:
            lines.append(line)
            line = ""
        line = f"{line} {token}".strip()
    return "\n".join([*lines, line])


CLUTTER = [
    "Read More: Another Story About Something",
    "Advertisement",
    "[time-brightcove not-tgx=”true”]",
    "https://example.com/story/1",
    "› Back to Top",
    "* * *",
    "Share this article",
    "(Applause.)",
    "FOR IMMEDIATE RELEASE",
    "-end-",
    "Media contact: Ann Lee, ann@example.com",
    "By Jane Doe",
    "Feb. 9, 2024",
    "WASHINGTON — The talks resumed.",
    "THE PRESIDENT: Thank you all.",
    "Q: What about taxes?",
    "- a list item\n- another item",
    "1. first step\n2. second step",
    "What Comes Next",
    "## A Hash Heading",
]

block = st.one_of(paragraph(), st.sampled_from(CLUTTER), phrase.map(str.title))


@st.composite
def plain_article(draw) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append("Audio Sources - Full Text Articles")
    parts.append(draw(phrase).title())
    parts.extend(draw(st.lists(block, max_size=12)))
    return "\n\n".join(parts) + "\n"


OPTIONS = st.builds(
    ParseOptions,
    min_quote_words=st.integers(1, 6),
    speaker_labels=st.sampled_from(list(SpeakerLabels)),
    stage_directions=st.booleans(),
)


@given(plain_article(), OPTIONS)
def test_generated_plain_text_loses_nothing(text, options):
    assert_nothing_lost(words(text), parse_article(text, options=options))


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400))
def test_arbitrary_text_loses_nothing(text):
    assert_nothing_lost(words(text), parse_article(text))


@given(st.lists(st.sampled_from(["Headline Words", "Some body text, said.", "“Quoted words go right here", "x", "- item", "* * *", "Back to Top", "THE PRESIDENT: hi", "(Laughter.)", "-end-", "\n", " ", "“", "”", '"']), max_size=30).map("".join))
def test_fuzz_fragments_lose_nothing(text):
    assert_nothing_lost(words(text), parse_article(text))


@st.composite
def markdown_article(draw) -> tuple[str, list[str]]:
    """A Markdown article and the words a reader sees (front matter and code included)."""
    parts: list[str] = []
    seen: list[str] = []
    title = None
    if draw(st.booleans()):
        title = draw(phrase)
        parts.append(f"---\ntitle: \"{title}\"\nlang: en\n---")
        seen.extend(["title", "lang", "en"])
        seen.extend(words(title))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["h1", "h2", "p", "quote", "list", "code", "html", "table", "link"]))
        text = draw(phrase)
        if kind == "h1":
            parts.append("# " + text)
        elif kind == "h2":
            parts.append("## " + text)
        elif kind == "p":
            parts.append(draw(paragraph()))
            text = parts[-1]
        elif kind == "quote":
            parts.append("> " + text)
        elif kind == "list":
            other = draw(phrase)
            parts.append(f"- {text}\n- *{other}*")
            text = f"{text} {other}"
        elif kind == "code":
            parts.append(f"```\n{text}\n```")
        elif kind == "html":
            other = draw(phrase)
            parts.append(f"<div>{text}</div>\n<script>{other}</script>")
            text = f"{text} {other}"
        elif kind == "table":
            other = draw(phrase)
            parts.append(f"| {text} |\n|---|\n| {other} |")
            text = f"{text} {other}"
        elif kind == "link":
            other = draw(phrase)
            parts.append(f"{text} [{other}](https://example.com/x) `{other}`.")
            text = f"{text} {other} {other} https://example.com/x"  # the address is listed as removed
        seen.extend(words(text))
    if title and not parts[1].startswith("# "):
        seen.extend(words(title))  # announced as the headline
    return "\n\n".join(parts) + "\n", seen


@given(markdown_article())
def test_generated_markdown_loses_nothing(generated):
    text, seen = generated
    article = parse_article(text, markdown=True)
    assert_nothing_lost(seen, article)
    assert all(segment.text.strip() for segment in article.segments())
    assert not any(mark in segment.text for segment in article.segments() for mark in ("```", "<div", "<script", "|---", "](", "# "))
    assert all(segment.kind is not SegmentKind.NOTICE or "skipped" in segment.text for segment in article.segments())


MARKDOWN_BITS = st.sampled_from([
    "# ", "## ", "> ", "- ", "1. ", "\n```python\nprint(1)\n```\n", "\n```\n<div>&amp;\n```\n", "    ", "<div>", "</div>", "<script>", "<!-- ", " -->", "| a | b |\n|---|---|\n",
    "[^1]", "[^1]: note", "{cite}`k`", "(label)=", "{% raw %}", "{{ x }}", "---\ntitle: T\n---\n", "![alt](x.png)", "[t](u)",
    "**", "_", "&amp;", "\n", "\n\n", "words here", "“Quoted words go here", "”", "THE PRESIDENT: ", "(Applause.)",
])  # fmt: skip


@given(st.lists(MARKDOWN_BITS, max_size=40).map("".join), OPTIONS)
def test_fuzz_markdown_parses_and_speaks_no_markup(text, options):
    """(No inline code here: `<div>` in backticks is text, and is spoken.)"""
    article = parse_article(text, markdown=True, options=options)
    for segment in article.segments():
        assert segment.text.strip()
        assert not any(mark in segment.text for mark in ("<script", "<div", "{%", "{{", "](", "![", "&amp;", "[^1]"))


NESTING_MARKERS = st.sampled_from(["> ", "- ", "* "])
"""(Not "1. ": an ordered item's number is spoken once, not per level; not "+ ": "+ + +" opens a
MyST block break, a separate question.)"""


def _nest(markers: list[str], text: str) -> str:
    """One line of text inside ``markers``, outermost first (lists indented so each
    nested list belongs to the item above)."""
    line = ""
    for marker in markers:
        line += marker
    return line + text


@given(st.lists(NESTING_MARKERS, min_size=1, max_size=40), phrase)
def test_no_word_is_lost_in_deeply_nested_markdown(markers, text):
    """Issue #26: from 20 levels of '>' or the 10th nested list, markdown-it dropped the
    words silently. Markers on one line nest each inside the previous one."""
    text = text.replace(",", "").replace(".", "")
    source = f"# Nested Title\n\n{_nest(markers, text)}\n\nThe end is here\n"
    article = parse_article(source, markdown=True)
    assert_nothing_lost(words(source), article)  # markers are no words; list numbers are spoken


@given(st.integers(1, 30), st.integers(1, 30), phrase)
def test_no_word_is_lost_in_deep_lists_and_quotes(list_depth, quote_depth, text):
    text = text.replace(",", "").replace(".", "")
    items = "".join("  " * level + f"- level{level} {text}\n" for level in range(list_depth))
    quotes = "> " * quote_depth + text
    source = f"# Deep Lists\n\n{items}\n{quotes}\n\nThe end\n"
    expected = "Deep Lists " + " ".join(f"level{level} {text}" for level in range(list_depth)) + f" {text} The end"
    assert_nothing_lost(words(expected), parse_article(source, markdown=True))
