"""File names for episodes: ASCII, short, unique within the feed, never a path."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

MAX_SLUG_LENGTH = 60
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """A title as lowercase ASCII words joined by hyphens; '' when nothing is left.

    >>> slugify("Café & Bar: “Ünïcode” — déjà vu!")
    'cafe-bar-unicode-deja-vu'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("東京の夜")
    ''
    >>> slugify("a " * 50, max_length=10)
    'a-a-a-a-a'
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
    return slug.strip("-")


def unique_slug(title: str, guid: str, taken: Collection[str]) -> str:
    """A slug for a new episode that no other episode uses.

    Titles with no Latin letters (or none at all) fall back to "episode-" and part of the
    guid; clashes get -2, -3, …

    >>> unique_slug("Hello, world", "0f1e2d3c-aaaa", {"hello-world"})
    'hello-world-2'
    >>> unique_slug("東京", "0f1e2d3c-aaaa", set())
    'episode-0f1e2d3c'
    """
    base = slugify(title) or "episode-" + slugify(guid)[:8]
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug
