"""A folder of articles -> a podcast feed folder (feed.xml, episodes, chapters,
transcripts, index.html), rebuilt incrementally."""

from __future__ import annotations

from .build import FeedResult, build_feed
from .settings import FeedSettings, SettingsChange

__all__ = ["FeedResult", "FeedSettings", "SettingsChange", "build_feed"]
