"""The real-page corpus (tests/data/web): its committed pages, what each should give,
and the token measures the quality bench reports."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

WEB_DATA = Path(__file__).parent / "data" / "web"
PAGES = WEB_DATA / "pages"
"""The one place the pages are read from: committed with the repository (never a folder
beside it, never an environment variable)."""
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    title: str
    date_line: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    html: Path
    truth: Path
    xfail: str | None = None
    """A known miss, and why."""


def corpus() -> list[Page]:
    """Every page of expected.toml, its HTML and true text in tests/data/web/pages."""
    data = tomllib.loads((WEB_DATA / "expected.toml").read_text(encoding="utf-8"))
    common = tuple(data["corpus"]["must_not"])
    return [
        Page(
            name=entry["name"],
            url=entry["url"],
            title=entry["title"],
            date_line=entry.get("date_line", ""),
            must=tuple(entry.get("must", ())),
            must_not=common + tuple(entry.get("must_not", ())),
            html=PAGES / f"{entry['name']}.html",
            truth=PAGES / f"{entry['name']}.txt",
            xfail=entry.get("xfail"),
        )
        for entry in data["page"]
    ]


def tokens(text: str) -> Counter:
    """Lower-case word tokens, counted (punctuation and spacing do not matter)."""
    return Counter(_WORD.findall(text.lower().replace("’", "'")))


def scores(spoken: str, truth: str) -> tuple[float, float, float]:
    """Token precision, recall and F1 of spoken words against the true text."""
    got, want = tokens(spoken), tokens(truth)
    common = sum((got & want).values())
    precision = common / max(1, sum(got.values()))
    recall = common / max(1, sum(want.values()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
