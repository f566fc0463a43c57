"""Articles and a builder shared by the feed tests (written for these tests)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from audio_articles.convert import Options
from audio_articles.feed import build_feed
from audio_articles.feed.settings import SettingsChange

BASE_URL = "https://example.org/pods/local"
FIRST_SEEN = datetime(2026, 5, 4, 8, 30, tzinfo=timezone.utc)

FERRY = """Harbour Ferry Adds a Late Sailing

The harbour ferry will run a last crossing at half past eleven from next Monday, the port authority said.

“People told us they wanted to stay for the whole concert and still get home,” said the authority's head of services.

The late sailing is a trial for three months.
"""

ESCAPES = """Fish & Chips <b>Night</b> at “Café Ünïcode” 🎙️ 東京

Tickets cost £5 & the queue < 20 minutes > nobody's patience; "quotes" and 'apostrophes' stay as they are.

“We serve fish & chips to everyone, even at <midnight>,” the owner said.
"""

DATED = """---
title: Tram Line Extension Approved
author: Noor Haddad
date: 2024-02-09
lang: en
---

# Tram Line Extension Approved

The council approved the tram extension on Friday after a long debate.

> “This line will connect three neighbourhoods that never had a tram,” the mayor said.
"""


def write_articles(folder: Path) -> Path:
    """Three articles in ``folder``: plain, full of characters to escape, and dated Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ferry.txt").write_text(FERRY, encoding="utf-8")
    (folder / "escapes.txt").write_text(ESCAPES, encoding="utf-8")
    (folder / "tram.md").write_text(DATED, encoding="utf-8")
    for name in ("ferry.txt", "escapes.txt"):  # no date of their own: dated by the file
        dated_file(folder / name, FIRST_SEEN)
    return folder


def dated_file(path: Path, moment: datetime) -> Path:
    """Set a file's modification time, the date of an article that gives none."""
    import os

    os.utime(path, (moment.timestamp(), moment.timestamp()))
    return path


def options(engine=None) -> Options:
    return Options(engine=engine or "fake", workers=1)


def build(sources, feed_dir: Path, engine=None, *, now=FIRST_SEEN, prune=False, **settings):
    """Run build_feed with test settings (title and base URL unless given)."""
    if not (feed_dir / "feed.toml").exists():
        settings = {"title": "Local & <Harbour> News", "base_url": BASE_URL, **settings}
    return build_feed(
        [Path(s) for s in sources], feed_dir, SettingsChange(**settings), options(engine), prune=prune, now=now
    )
