"""What the feed folder already holds: one record per episode, in FEED_DIR/.feed-state.json.

The feed and the index page are written from these records alone, so a run that renders
nothing writes the same bytes; a record's guid, slug and pubDate are set once and kept.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

from ..audio.formats import AudioFormat, format_for
from ..errors import InputError
from ..files import atomic_output
from ..model import Chapter

STATE_FILE = ".feed-state.json"
STATE_VERSION = 1


@dataclass(frozen=True)
class Episode:
    """One published article."""

    key: str
    """Which article this is: its file name, so a moved folder keeps its episodes."""
    guid: str
    """RSS guid; derived from the feed id and the key once, never changed."""
    slug: str
    """File name stem under episodes/; chosen once, never changed."""
    published: str
    """pubDate as ISO 8601 UTC: the article's date, else when it first entered the feed."""
    source_hash: str
    """Hash of the article's bytes and the render settings; a change means re-render."""
    title: str
    description: str
    duration_ms: int
    chapters: tuple[Chapter, ...]
    author: str | None = None
    language: str | None = None
    audio_suffix: str = ".mp3"
    """The audio file's extension, which names its format (``audio.formats``)."""
    version: str = ""
    """Short hash of the audio file's bytes, part of its files' names (``slug.version.mp3``):
    a new render is published under new names and the old files stay until the feed no
    longer names them. Empty for episodes rendered before (``slug.mp3``)."""

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.published)

    @property
    def stem(self) -> str:
        """The name its files share: the slug, and the version when there is one."""
        return f"{self.slug}.{self.version}" if self.version else self.slug

    @property
    def audio_name(self) -> str:
        return f"{self.stem}{self.audio_suffix}"

    @property
    def audio_format(self) -> AudioFormat:
        """The format of the audio file: its codec, MIME type, …"""
        return format_for(Path(self.audio_name))

    @property
    def chapters_name(self) -> str:
        return f"{self.stem}.chapters.json"

    @property
    def transcript_name(self) -> str:
        return f"{self.stem}.vtt"

    @property
    def file_names(self) -> tuple[str, str, str]:
        return (self.audio_name, self.chapters_name, self.transcript_name)


def newest_first(episodes: list[Episode] | tuple[Episode, ...]) -> list[Episode]:
    """Episodes by pubDate, newest first; ties in a fixed order (by title, then guid)."""
    by_name = sorted(episodes, key=lambda episode: (episode.title, episode.guid))
    return sorted(by_name, key=lambda episode: episode.published_at, reverse=True)


def load_state(folder: Path) -> dict[str, Episode]:
    """The episodes recorded in a feed folder, by key (empty for a new folder)."""
    path = folder / STATE_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = data["episodes"]
        known = {f.name for f in fields(Episode)}
        episodes = [
            Episode(**{
                **{key: value for key, value in record.items() if key in known},
                "chapters": tuple(Chapter(**chapter) for chapter in record["chapters"]),
            })
            for record in records
        ]  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(
            f"{path} is damaged ({err}); delete it to rebuild every episode on the next run"
        ) from None
    return {episode.key: episode for episode in episodes}


def save_state(folder: Path, episodes: dict[str, Episode]) -> None:
    """Write the state file atomically, in a stable order."""
    records = [asdict(episode) for episode in sorted(episodes.values(), key=lambda episode: episode.key)]
    text = json.dumps({"version": STATE_VERSION, "episodes": records}, ensure_ascii=False, indent=1) + "\n"
    path = folder / STATE_FILE
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return  # unchanged: leave the file (and its time stamp) alone
    with atomic_output(path) as temp:
        temp.write_text(text, encoding="utf-8")
