"""YAML front matter of a Markdown post: title, author, date and language."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FrontMatter:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    """ISO 8601 when the YAML holds a date."""
    language: str | None = None
    """BCP 47 tag, e.g. "fr" or "fr-FR" (from ``lang``, ``language`` or ``locale``)."""


def _text(value: object) -> str | None:
    """A front-matter value as text: lists are joined, mappings give their name."""
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("title"))
    if isinstance(value, (list, tuple)):
        names = [name for name in (_text(item) for item in value) if name]
        return ", ".join(names) or None
    return str(value).strip() or None


def _loose(source: str) -> dict[str, str]:
    """``key: value`` lines, for front matter that is not valid YAML."""
    found = {}
    for line in source.splitlines():
        match = re.match(r"\s*([\w-]+)\s*:\s*(.*?)\s*$", line)
        if match and match.group(2):
            found[match.group(1).lower()] = match.group(2).strip("'\"")
    return found


def read_front_matter(source: str) -> FrontMatter:
    """The fields we use; invalid YAML falls back to plain ``key: value`` lines.

    >>> read_front_matter("title: Bonjour\\nlang: fr_FR\\ndate: 2024-02-09\\nauthor: [Ana, Bo]")
    FrontMatter(title='Bonjour', author='Ana, Bo', date='2024-02-09', language='fr-FR')
    >>> read_front_matter("title: A: broken: [yaml").title
    'A: broken: [yaml'
    """
    import yaml

    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError:
        data = _loose(source)
    if not isinstance(data, dict):
        data = _loose(source)
    data = {str(key).lower(): value for key, value in data.items()}
    language = _text(data.get("lang") or data.get("language") or data.get("locale"))
    return FrontMatter(
        title=_text(data.get("title")),
        author=_text(data.get("author") or data.get("authors")),
        date=_text(data.get("date")),
        language=language.replace("_", "-") if language else None,
    )
