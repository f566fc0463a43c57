"""The feed command: a first build of a folder of articles with a cold clip cache, a
re-run with nothing changed (it should render nothing and only check), and a re-run after
one article was edited (it should render that episode only)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from common import BIN, ROOT, Row, measure

COPIES = 4
"""Each sample article, with its headline numbered, this many times."""


def write_articles(folder: Path) -> int:
    folder.mkdir()
    count = 0
    for sample in sorted((ROOT / "samples").glob("*.txt")):
        headline, rest = sample.read_text(encoding="utf-8").split("\n", 1)
        for copy in range(1, COPIES + 1):
            (folder / f"{sample.stem}-{copy}.txt").write_text(f"{headline} (part {copy})\n{rest}", "utf-8")
            count += 1
    return count


def audio_seconds(feed: Path) -> float:
    state = json.loads((feed / ".feed-state.json").read_text(encoding="utf-8"))
    return sum(episode["duration_ms"] for episode in state["episodes"]) / 1000


def rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-feed-") as scratch:
        scratch = Path(scratch)
        articles, feed = scratch / "articles", scratch / "feed"
        count = write_articles(articles)
        env = {"AUDIO_ARTICLES_CACHE": str(scratch / "cache")}
        command = [str(BIN / "audio-articles"), "feed", str(articles), "-o", str(feed)]
        first = [*command, "--title", "Bench", "--base-url", "https://example.org/bench"]
        wall, peak = measure(first, env=env)
        total = audio_seconds(feed)
        result = [Row(f"feed: first build, {count} articles, cold cache", wall, total, peak, "real engine")]
        wall, peak = measure(command, env=env)
        result.append(Row("feed: re-run, nothing changed", wall, None, peak, "renders nothing"))
        edited = next(iter(sorted(articles.iterdir())))
        edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more paragraph at the end.\n", "utf-8")
        wall, peak = measure(command, env=env)
        result.append(Row("feed: re-run, one article edited", wall, None, peak, "renders one episode"))
        return result
