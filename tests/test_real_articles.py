"""Real articles nobody here wrote: tests/data/real/<name>.txt|md, expectations in expected.toml.

The golden tests pin every segment of our own tidy articles; these pin what matters to a
listener of real ones (news releases, transcripts, blog posts, web copies, other
languages): the right title, a plausible number of sections and quotations, no page
furniture or markup spoken, the article itself spoken, and no word of the source lost
without a reason. Where each file comes from, and its licence: tests/data/real/SOURCES.md.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from audio_articles.model import Article, SegmentKind
from audio_articles.parsing import parse_article

from .parse_helpers import comparable_words, removed_words, spoken_words

REAL = Path(__file__).parent / "data" / "real"
EXPECTED = tomllib.loads((REAL / "expected.toml").read_text(encoding="utf-8"))
ARTICLES = sorted(p for p in REAL.iterdir() if p.suffix in (".txt", ".md") and p.name != "SOURCES.md")

# Syntax that carries words but is not text: link targets, HTML tags (over several lines)
# and their attributes, code-fence languages, roles, footnote labels, template and
# shortcode names with their parameter names. Everything else must be spoken or removed.
MARKUP = re.compile(
    r"\]\([^)\s]*\)|<[^<>]{0,2000}>|^```\S*|\{[\w:-]+\}|\[\^[^\]\s]*\]:?|&\w+;"
    r"|\{\{[<%]?-?\s*/?[\w.-]+|[\w-]+=(?=[\"'])|\{%-?\s*/?\w+",
    re.MULTILINE,
)

_INLINE_TAGS = re.compile(r"</?(?:sup|sub|b|i|em|strong|span|small)>")


def parse(path: Path) -> Article:
    return parse_article(path.read_text(encoding="utf-8"), markdown=path.suffix == ".md", fallback_title=path.stem)


def _contains(text: str, needle: str) -> bool:
    """``needle`` in ``text``; a needle that starts or ends with a letter must match whole
    words there ("sic" is not in "music")."""
    pattern = re.escape(needle)
    if needle[:1].isalnum():
        pattern = r"(?<![\w])" + pattern
    if needle[-1:].isalnum():
        pattern += r"(?![\w])"
    return re.search(pattern, text) is not None


def test_the_corpus_is_complete():
    assert len(ARTICLES) >= 30
    assert {p.name for p in ARTICLES} == set(EXPECTED), "every article has expectations, and only those"
    sources = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    assert all(p.name in sources for p in ARTICLES), "every article's source and licence is recorded"


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_real_article(path):
    expected = EXPECTED[path.name]
    article = parse(path)
    segments = list(article.segments())
    spoken = [segment.text for segment in segments]
    quotes = [segment.text for segment in segments if segment.kind is SegmentKind.QUOTE]
    problems = []
    if " ".join(article.title.split()) != expected["title"]:
        problems.append(f"title {article.title!r}")
    low, high = expected["sections"]
    if not low <= len(article.sections) <= high:
        problems.append(f"{len(article.sections)} sections, expected {low}..{high}")
    low, high = expected["quotes"]
    if not low <= len(quotes) <= high:
        problems.append(f"{len(quotes)} quotations, expected {low}..{high}: {[q[:40] for q in quotes]}")
    for needle in expected.get("never", []):
        problems += [f"spoken: {needle!r} in {text[:80]!r}" for text in spoken if _contains(text, needle)]
    everything = " ".join(spoken)
    problems += [f"not spoken: {needle!r}" for needle in expected.get("spoken", []) if needle not in everything]
    for needle in expected.get("not_quoted", []):
        problems += [f"quoted: {needle!r}" for text in quotes if needle in text]
    reasons = {item.reason for item in article.removed}
    problems += [f"nothing removed as {reason!r}" for reason in expected.get("removed", []) if reason not in reasons]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_real_article_loses_no_word(path):
    """Every word of the source is spoken or removed with a reason (markup syntax aside)."""
    source = path.read_text(encoding="utf-8")
    article = parse(path)
    if path.suffix == ".md":
        source = MARKUP.sub(" ", _INLINE_TAGS.sub("", source))  # 1<sup>er</sup> is one word
    text_only = comparable_words(source)
    accounted = Counter(spoken_words(article)) + Counter(removed_words(article))
    lost = Counter(text_only) - accounted
    # A front-matter title is announced as the headline and also listed as removed front matter.
    assert not lost, f"words neither spoken nor removed: {sorted(lost)[:30]}"
