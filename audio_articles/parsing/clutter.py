"""Web and press-release clutter: small named rules, each saying why a line is not spoken.

A rule takes one paragraph and returns the reason it is clutter, or None. Add a rule by
writing a function and listing it in ``RULES``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Rule = Callable[[str], "str | None"]


def read_more_link(paragraph: str) -> str | None:
    """"Read More: …" teasers that link to another story."""
    if re.match(r"(?i)^(read more|related|see also|more from)\s*[:\-–—]", paragraph):
        return "read-more link"
    return None


def embed_artifact(paragraph: str) -> str | None:
    """Bracketed template or embed code such as [time-brightcove not-tgx="true"]."""
    if re.fullmatch(r"\[[\w\-]+(\s+[^\]]*)?\]", paragraph) and ("=" in paragraph or "-" in paragraph):
        return "embed artifact"
    return None


def bare_url(paragraph: str) -> str | None:
    """A paragraph that is nothing but a link."""
    if re.fullmatch(r"(https?://|www\.)\S+", paragraph):
        return "bare URL"
    return None


def web_furniture(paragraph: str) -> str | None:
    """Buttons and labels copied along with the page."""
    if re.fullmatch(
        r"(?i)[›»>\s]*(advertisement|share this article|back to top|skip advertisement|"
        r"continue reading|sign up for our newsletter|click here to subscribe)[\s.!]*",
        paragraph,
    ):
        return "page furniture"
    return None


def collection_header(paragraph: str) -> str | None:
    """A feed or collection name above the article, e.g. "Some Feed - Full Text Articles"."""
    if re.fullmatch(r"(?i).{1,80}\s[-–—|]\s*full[- ]text (articles|feed|stories)", paragraph):
        return "collection header"
    return None


RULES: tuple[Rule, ...] = (read_more_link, embed_artifact, bare_url, web_furniture, collection_header)


def clutter_reason(paragraph: str) -> str | None:
    """The first rule's reason for dropping ``paragraph``, or None to keep it."""
    for rule in RULES:
        reason = rule(paragraph)
        if reason:
            return reason
    return None
