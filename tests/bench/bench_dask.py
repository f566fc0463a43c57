"""A folder of articles converted by the local process pool (the default) and by a Dask
LocalCluster of as many worker processes (``--executor dask-local``), each with a cold
clip cache; the same for a feed. The difference is what Dask's scheduler, its worker
start-up and sending the audio back cost on one machine; on a cluster the workers add up."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from common import BIN, Row, feed_audio_seconds, measure, write_sample_copies

JOBS = str(os.cpu_count() or 1)


def note(executor: str) -> str:
    return f"--executor {executor}, {JOBS} processes, cold cache"


def rows() -> list[Row]:
    result = []
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as scratch:
        scratch = Path(scratch)
        articles = scratch / "articles"
        count = write_sample_copies(articles)
        for executor in ("local", "dask-local"):
            env = {"AUDIO_ARTICLES_CACHE": str(scratch / f"cache-convert-{executor}")}
            out = scratch / f"out-{executor}"
            command = [str(BIN / "audio-articles"), "convert", str(articles), "-o", str(out), "-j", JOBS]
            wall, peak = measure([*command, "--executor", executor], env=env)
            result.append(Row(f"convert: {count} articles, {executor}", wall, None, peak, note(executor)))
        for executor in ("local", "dask-local"):
            env = {"AUDIO_ARTICLES_CACHE": str(scratch / f"cache-feed-{executor}")}
            feed = scratch / f"feed-{executor}"
            command = [str(BIN / "audio-articles"), "feed", str(articles), "-o", str(feed), "-j", JOBS,
                       "--title", "Bench", "--base-url", "https://example.org/bench", "--executor", executor]  # fmt: skip
            wall, peak = measure(command, env=env)
            total = feed_audio_seconds(feed)
            result.append(Row(f"feed: {count} articles, {executor}", wall, total, peak, note(executor)))
    return result
