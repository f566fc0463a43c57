"""audio_articles: turn written articles into listenable audio, offline.

>>> from audio_articles import parse_article, convert
>>> article = parse_article("Headline\\n\\nBody text.")
>>> article.title
'Headline'
"""

from __future__ import annotations

from .errors import AudioArticlesError
from .model import Article, Section, Segment, SegmentKind
from .parsing import parse_article

__all__ = [
    "AudioArticlesError",
    "Article",
    "Section",
    "Segment",
    "SegmentKind",
    "build_feed",
    "convert",
    "parse_article",
]


def convert(*args, **kwargs):
    """Convert an article file into an MP3; see ``audio_articles.convert.convert``."""
    from .convert import convert as _convert

    return _convert(*args, **kwargs)


def build_feed(*args, **kwargs):
    """Create or update a podcast feed folder; see ``audio_articles.feed.build.build_feed``."""
    from .feed import build_feed as _build_feed

    return _build_feed(*args, **kwargs)
