"""A feed update is atomic as a set (issue #26, item 7): killed at any moment, feed.xml
names files that exist and whose lengths and durations it states; the next run finishes."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from mutagen.mp3 import MP3

from audio_articles.feed.build import EPISODE_FILE

from .feed_helpers import build, write_articles

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
KILLS = 20


def seconds(clock: str) -> int:
    hours, minutes, secs = (int(part) for part in clock.split(":"))
    return 3600 * hours + 60 * minutes + secs


def inconsistencies(feed_dir: Path) -> list[str]:
    """What feed.xml states that the files on disk contradict (empty: consistent). Read
    again when feed.xml was replaced meanwhile, as an app would simply poll again."""
    for _ in range(20):
        xml = (feed_dir / "feed.xml").read_bytes()
        problems = []
        for item in ET.fromstring(xml).iter("item"):
            enclosure = item.find("enclosure")
            audio = feed_dir / "episodes" / Path(enclosure.get("url")).name
            try:
                size = audio.stat().st_size
                length = MP3(audio).info.length
            except (FileNotFoundError, OSError) as error:
                problems.append(f"{audio.name}: {error}")
                continue
            if size != int(enclosure.get("length")):
                problems.append(f"{audio.name}: {size} bytes, the feed says {enclosure.get('length')}")
            if abs(length - seconds(item.findtext(f"{ITUNES}duration"))) > 1.0:
                problems.append(f"{audio.name}: {length:.1f} s, the feed says {item.findtext(f'{ITUNES}duration')}")
            for tag in (f"{PODCAST}chapters", f"{PODCAST}transcript"):
                name = Path(item.find(tag).get("url")).name
                if not (feed_dir / "episodes" / name).is_file():
                    problems.append(f"{name} is missing")
        if (feed_dir / "feed.xml").read_bytes() == xml:
            return problems
    return problems


def edit(articles: Path, version: int) -> None:
    """Change every article's text (and its length), so an update renders all of them."""
    for n in range(4):
        sentences = " ".join(f"Sentence {s} of version {version} about the harbour." for s in range(3 + (version + n) % 5))
        paragraphs = "\n\n".join(f"Paragraph {p}. {sentences}" for p in range(6))
        (articles / f"story-{n}.txt").write_text(f"Harbour Story {n}\n\n{paragraphs}\n", encoding="utf-8")


def update_command(articles: Path, feed_dir: Path) -> list[str]:
    return [sys.executable, "-m", "audio_articles", "feed", str(articles), "-o", str(feed_dir), "--engine", "fake", "-j", "1"]


def test_killed_at_any_moment_of_an_update_the_feed_matches_its_files(tmp_path):
    articles = write_articles(tmp_path / "articles")
    edit(articles, 0)
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    assert inconsistencies(feed_dir) == []

    # Apps may poll at any time: a watcher checks all along, between and during runs.
    seen: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.extend(inconsistencies(feed_dir))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        edit(articles, 1)
        started = time.monotonic()
        subprocess.run(update_command(articles, feed_dir), check=True, capture_output=True, timeout=120)
        whole = time.monotonic() - started  # how long an uninterrupted update of 4 episodes takes
        survived = 0
        for kill in range(KILLS):
            edit(articles, 2 + kill)
            run = subprocess.Popen(update_command(articles, feed_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(whole * (0.15 + 0.85 * kill / KILLS))  # from start-up to the last rename
            run.send_signal(signal.SIGKILL)
            run.wait()
            problems = inconsistencies(feed_dir)
            assert problems == [], (kill, problems)
            survived += 1
        run = subprocess.run(update_command(articles, feed_dir), capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
    finally:
        stop.set()
        watcher.join()
    assert survived == KILLS and seen == []
    assert inconsistencies(feed_dir) == []
    # The next run published everything, and left no render the feed does not name.
    xml = (feed_dir / "feed.xml").read_text(encoding="utf-8")
    files = sorted(p.name for p in (feed_dir / "episodes").iterdir())
    assert all(EPISODE_FILE.match(name) for name in files), files
    assert all(name in xml for name in files if not name.endswith((".chapters.json", ".vtt"))) and len(files) == 7 * 3
    assert f"version {KILLS + 1} about" in (feed_dir / "episodes" / next(n for n in files if n.endswith(".vtt") and n.startswith("harbour-story-0"))).read_text(encoding="utf-8")
