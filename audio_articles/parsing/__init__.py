"""Text -> Article. Picks the parser by format; each parser returns the same model."""

from __future__ import annotations

from ..model import Article
from .plaintext import parse_plaintext

__all__ = ["parse_article"]


def parse_article(text: str, *, markdown: bool = False, fallback_title: str = "Untitled") -> Article:
    """Parse an article's text into headline, body and quote segments.

    ``markdown`` selects the Markdown parser; ``fallback_title`` names an article whose
    text has no headline (usually the file name).
    """
    if markdown:
        from .markdown import parse_markdown

        return parse_markdown(text, fallback_title=fallback_title)
    return parse_plaintext(text, fallback_title=fallback_title)
