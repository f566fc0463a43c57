"""Pronunciation lexicon: written words -> how the engine should hear them.

A lexicon is a plain file of ``written = respelling`` lines (``#`` starts a comment) or a
TOML file whose ``[lexicon]`` table (or top level) maps written forms to respellings.
Entries match whole words only. An entry written with a capital letter matches that
exact spelling ("US" leaves "us" alone); an all-lowercase entry matches any case, and a
capital at the start of the matched word is kept in the respelling.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import InputError
from ..files import PROJECT_LEXICON_NAMES, read_bounded  # (PROJECT_LEXICON_NAMES is used here and re-exported)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


LEXICON_MAX_BYTES = 4 * 1024 * 1024
"""Largest lexicon file read (tens of thousands of entries)."""


class LexiconError(InputError):
    """A lexicon file is missing or malformed."""


@dataclass(frozen=True)
class Lexicon:
    """Respellings applied to the text before synthesis; later entries win."""

    entries: tuple[tuple[str, str], ...] = ()
    """(written, respelling) pairs in the order they were given."""

    def __bool__(self) -> bool:
        return bool(self.entries)

    def merged(self, other: Lexicon | None) -> Lexicon:
        """This lexicon with ``other``'s entries added; ``other`` wins on the same word."""
        if not other:
            return self
        return Lexicon(self.entries + other.entries)

    @cached_property
    def _table(self) -> tuple[re.Pattern[str] | None, dict[str, str], dict[str, str]]:
        exact: dict[str, str] = {}
        folded: dict[str, str] = {}
        for written, spoken in self.entries:
            if written.lower() == written:
                folded[written] = spoken
            else:
                exact[written] = spoken
        if not exact and not folded:
            return None, exact, folded
        alternatives = [(w, re.escape(w)) for w in exact] + [(w, f"(?i:{re.escape(w)})") for w in folded]
        # Longest first, so "Xi Jinping" wins over "Xi".
        alternatives.sort(key=lambda item: -len(item[0]))
        body = "|".join(pattern for _, pattern in alternatives)
        return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])"), exact, folded

    def apply(self, text: str) -> str:
        """Replace every entry in ``text``, whole words only, in one pass.

        >>> lexicon = Lexicon((("Xi Jinping", "Shee Jin-ping"), ("gif", "jif"), ("Nice", "Neece")))
        >>> lexicon.apply("Xi Jinping sent a gif; GIF files, gifts, a nice day in Nice.")
        'Shee Jin-ping sent a jif; Jif files, gifts, a nice day in Neece.'
        """
        pattern, exact, folded = self._table
        if pattern is None:
            return text

        def respell(match: re.Match[str]) -> str:
            found = match.group(0)
            if found in exact:
                return exact[found]
            spoken = folded[found.lower()]
            return spoken[:1].upper() + spoken[1:] if found[:1].isupper() else spoken

        return pattern.sub(respell, text)


def _check_entry(written: object, spoken: object, where: str) -> tuple[str, str]:
    if not isinstance(spoken, str):
        raise LexiconError(f"{where}: the respelling of {written!r} must be text, e.g. \"Shee Jin-ping\"")
    written, spoken = str(written).strip(), spoken.strip()
    if not written or not spoken:
        raise LexiconError(f"{where}: an entry needs a word and a respelling, e.g. Xi Jinping = Shee Jin-ping")
    if not any(ch.isalnum() for ch in written):
        raise LexiconError(f"{where}: {written!r} has no letters or digits to match")
    return written, spoken


def lexicon_from_lines(text: str, source: str = "lexicon") -> Lexicon:
    """Parse ``written = respelling`` lines; ``#`` comments and blank lines are skipped.

    >>> lexicon_from_lines("# names\\nXi Jinping = Shee Jin-ping\\n\\nnginx = engine x").entries
    (('Xi Jinping', 'Shee Jin-ping'), ('nginx', 'engine x'))
    """
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        written, sep, spoken = line.partition("=")
        if not sep:
            raise LexiconError(
                f"{source}, line {number}: expected 'word = respelling', got {line[:60]!r}"
            )
        entries.append(_check_entry(written, spoken, f"{source}, line {number}"))
    return Lexicon(tuple(entries))


def lexicon_from_mapping(table: Mapping[str, object], source: str = "lexicon") -> Lexicon:
    """A lexicon from a TOML table of ``"written" = "respelling"``."""
    if not isinstance(table, Mapping):
        raise LexiconError(f"{source}: the lexicon must be a table of \"word\" = \"respelling\"")
    return Lexicon(tuple(_check_entry(w, s, f"{source}, entry {w!r}") for w, s in table.items()))


def load_lexicon(path: str | Path) -> Lexicon:
    """Load a plain or TOML (``.toml``) lexicon file."""
    path = Path(path)
    if not os.path.lexists(path):
        raise LexiconError(f"lexicon {str(path)!r} not found; give a 'word = respelling' file")
    try:
        text = read_bounded(path, LEXICON_MAX_BYTES, what=f"lexicon {path}", hint="split the lexicon").decode("utf-8-sig")
    except InputError as err:
        raise LexiconError(str(err)) from None
    except UnicodeDecodeError as err:
        raise LexiconError(f"cannot read lexicon {str(path)!r} ({err.__class__.__name__}); it must be UTF-8 text") from None
    if path.suffix.lower() != ".toml":
        return lexicon_from_lines(text, str(path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise LexiconError(f"{path}: not valid TOML ({err})") from None
    except RecursionError:
        raise LexiconError(f"{path}: not valid TOML (nested too deeply)") from None
    return lexicon_from_mapping(data.get("lexicon", data), str(path))


def project_lexicon(article: Path, explicit: Iterable[str | Path] = ()) -> Lexicon:
    """The lexicon for one article: ``lexicon.txt`` / ``lexicon.toml`` in its folder, then
    each ``--lexicon`` file; later ones win on the same word."""
    lexicon = Lexicon()
    for name in PROJECT_LEXICON_NAMES:
        beside = Path(article).parent / name
        if beside.is_file():
            lexicon = lexicon.merged(load_lexicon(beside))
    for path in explicit:
        lexicon = lexicon.merged(load_lexicon(path))
    return lexicon
