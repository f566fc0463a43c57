"""The feed command: a first build of a folder of articles with a cold clip cache, a
re-run with nothing changed (it should render nothing and only check), and a re-run after
one article was edited (it should render that episode only)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from common import BIN, Row, feed_audio_seconds, measure, write_sample_copies


def rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-feed-") as scratch:
        scratch = Path(scratch)
        articles, feed = scratch / "articles", scratch / "feed"
        count = write_sample_copies(articles)
        env = {"AUDIO_ARTICLES_CACHE": str(scratch / "cache")}
        command = [str(BIN / "audio-articles"), "feed", str(articles), "-o", str(feed)]
        first = [*command, "--title", "Bench", "--base-url", "https://example.org/bench"]
        wall, peak = measure(first, env=env)
        total = feed_audio_seconds(feed)
        result = [Row(f"feed: first build, {count} articles, cold cache", wall, total, peak, "real engine")]
        wall, peak = measure(command, env=env)
        result.append(Row("feed: re-run, nothing changed", wall, None, peak, "renders nothing"))
        edited = next(iter(sorted(articles.iterdir())))
        edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more paragraph at the end.\n", "utf-8")
        wall, peak = measure(command, env=env)
        result.append(Row("feed: re-run, one article edited", wall, None, peak, "renders one episode"))
        return result
