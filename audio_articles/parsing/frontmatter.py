"""Front matter of a post (YAML between ``---``, TOML between ``+++``): title, author, date, language."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import InputError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""Control characters a YAML escape ("\\e", "\\a", "\\n") can put in a title: spaces."""
MAX_DEPTH = 20
"""Deepest nesting of lists and mappings read; a title is never deeper than two."""
MAX_ITEMS = 200
"""Most names joined from one list (authors)."""


@dataclass(frozen=True)
class FrontMatter:
    title: str | None = None
    author: str | None = None
    date: str | None = None
    """ISO 8601 when the YAML holds a date."""
    language: str | None = None
    """BCP 47 tag, e.g. "fr" or "fr-FR" (from ``lang``, ``language`` or ``locale``)."""


def _text(value: object, depth: int = 0) -> str | None:
    """A front-matter value as text: lists are joined, mappings give their name (bounded:
    at most ``MAX_ITEMS`` names, ``MAX_DEPTH`` levels)."""
    if value is None or value == "" or depth > MAX_DEPTH:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("title"), depth + 1)
    if isinstance(value, (list, tuple)):
        names = [name for name in (_text(item, depth + 1) for item in value[:MAX_ITEMS]) if name]
        return ", ".join(names) or None
    return " ".join(_CONTROL.sub(" ", str(value)).split()) or None


def _safe_loader():
    """PyYAML's safe loader without aliases: ``*name`` may repeat a node, and nodes of
    repeated nodes grow exponentially (an "alias bomb": 372 bytes, billions of strings).
    Front matter never needs them; a post that has them is refused with one line."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise InputError(
                    f"the front matter uses a YAML alias (*{event.anchor}, line {event.start_mark.line + 2});"
                    " aliases are not supported there: write the value out"
                )
            return super().compose_node(parent, index)

    return NoAliasLoader


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
    >>> read_front_matter("a: &x [1]\\ntitle: *x")
    Traceback (most recent call last):
    ...
    audio_articles.errors.InputError: the front matter uses a YAML alias (*x, line 3); aliases are not supported there: write the value out
    """
    import yaml

    try:
        data = yaml.load(source, Loader=_safe_loader())  # noqa: S506 - a safe loader
    except (yaml.YAMLError, RecursionError):  # RecursionError: thousands of nested "["
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


_TOML_BLOCK = re.compile(r"\+\+\+[ \t]*\n(.{0,20000}?)\n\+\+\+[ \t]*(?:\n|$)", re.S)


def read_toml_front_matter(source: str) -> FrontMatter:
    """Hugo/Zola front matter: ``title = "…"`` lines; invalid TOML falls back to ``key = value`` lines.

    >>> read_toml_front_matter('title = "Hello"\\ndate = 2024-02-09\\n[extra]\\nlang = "fr"').title
    'Hello'
    """
    import tomllib

    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError:
        data = {m.group(1).lower(): m.group(2).strip("'\"") for m in re.finditer(r"(?m)^\s*([\w-]+)\s*=\s*(.*?)\s*$", source)}
    data = {str(key).lower(): value for key, value in data.items()}
    extra = data.get("extra") if isinstance(data.get("extra"), dict) else {}
    language = _text(data.get("lang") or data.get("language") or data.get("locale") or extra.get("lang"))
    return FrontMatter(
        title=_text(data.get("title")),
        author=_text(data.get("author") or data.get("authors") or extra.get("author")),
        date=_text(data.get("date")),
        language=language.replace("_", "-") if language else None,
    )


def split_toml_front_matter(text: str) -> tuple[FrontMatter, str, str]:
    """(front matter, text with the block blanked out so offsets stay, the block's source);
    text without ``+++`` front matter comes back unchanged with an empty source."""
    match = _TOML_BLOCK.match(text)
    if not match:
        return FrontMatter(), text, ""
    blank = "".join("\n" if ch == "\n" else " " for ch in match.group())
    return read_toml_front_matter(match.group(1)), blank + text[match.end() :], match.group(1)
