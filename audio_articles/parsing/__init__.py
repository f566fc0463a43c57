"""Text -> Article. Picks the parser by format; each parser returns the same model."""

from __future__ import annotations

from ..model import Article
from .options import ParseOptions, SpeakerLabels
from .plaintext import parse_plaintext

__all__ = ["ParseOptions", "SpeakerLabels", "parse_article"]


def parse_article(
    text: str,
    *,
    markdown: bool = False,
    fallback_title: str = "Untitled",
    options: ParseOptions | None = None,
) -> Article:
    """Parse an article's text into headline, body, quote and other segments.

    ``markdown`` selects the Markdown parser; ``fallback_title`` names an article whose
    text has no headline (usually the file name); ``options`` tunes quotations,
    transcripts, images and code (see ParseOptions).
    """
    options = options or ParseOptions()
    if markdown:
        from .markdown import parse_markdown

        return parse_markdown(text, options=options, fallback_title=fallback_title)
    return parse_plaintext(text, options=options, fallback_title=fallback_title)

