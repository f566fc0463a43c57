"""Golden articles: tests/data/<name>.txt|md next to <name>.json, the segments we expect.

Each article was written for these tests to cover a feature of the parser; the JSON was
generated once and checked by reading it against the article. To regenerate after a
deliberate change, run ``UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and review the
diff line by line before committing it.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from audio_articles.model import Article
from audio_articles.parsing import parse_article
from audio_articles.parsing.text import words

from .parse_helpers import assert_nothing_lost, is_subsequence, removed_words, spoken_words

DATA = Path(__file__).parent / "data"
ARTICLES = sorted(p for p in DATA.iterdir() if p.suffix in (".txt", ".md"))

# Markdown syntax that carries words but is not text: link targets, HTML tags and their
# attributes, code-fence languages, role and directive names, footnote labels, Liquid
# highlight tags. Everything else of a Markdown source must be spoken or removed.
MARKUP = re.compile(
    r"\]\([^)\s]*\)|<[^>\n]*>|^```\S*|\{[\w:-]+\}|\[\^[^\]\s]*\]:?|\{%-?\s*(?:end)?highlight[^%]*%\}|&\w+;",
    re.MULTILINE,
)


def as_expected(article: Article) -> dict:
    """The parts of an Article the golden files pin down."""
    return {
        "title": article.title,
        "author": article.author,
        "date": article.date,
        "language": article.language,
        "sections": [
            {
                "title": section.title,
                "segments": [
                    {"paragraph": s.paragraph, "kind": s.kind.value, "text": s.text}
                    | ({"speaker": s.speaker} if s.speaker else {})
                    for s in section.segments
                ],
            }
            for section in article.sections
        ],
        "removed": [{"reason": item.reason, "text": item.text} for item in article.removed],
    }


def parse(path: Path) -> Article:
    return parse_article(path.read_text(encoding="utf-8"), markdown=path.suffix == ".md", fallback_title=path.stem)


def test_there_are_enough_golden_articles():
    assert len(ARTICLES) >= 12
    assert len({path.stem for path in ARTICLES}) == len(ARTICLES), "two articles would share one .json"
    assert all(path.with_suffix(".json").exists() for path in ARTICLES)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_golden_segments(path):
    actual = as_expected(parse(path))
    expected_path = path.with_suffix(".json")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_golden_nothing_lost(path):
    source = path.read_text(encoding="utf-8")
    article = parse(path)
    if path.suffix == ".txt":
        assert_nothing_lost(words(source), article)
        return
    markup = [word for match in MARKUP.finditer(source) for word in words(match.group())]
    if not re.search(r"(?m)^# ", source):
        markup += words(article.title)  # the front-matter title is also announced as the headline
    text_only = words(MARKUP.sub(" ", source))
    spoken = spoken_words(article)
    removed = removed_words(article)
    # Removed HTML keeps its tags, so its markup words may be counted on both sides.
    accounted = Counter(spoken) + Counter(removed)
    assert not Counter(text_only) - accounted, "words neither spoken nor removed"
    assert not accounted - Counter(text_only) - Counter(markup), "words spoken or removed twice"
    assert is_subsequence(spoken, words(source)), "spoken words are out of reading order"
