"""Sound: what loudness measurement costs on an hour of speech, and converting that hour
into each output format (clips already cached, so the rows show assembly and encoding)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from common import BIN, ROOT, Row, audio_seconds, measure
from longtext import long_article

WORDS = 10_000
"""About an hour of speech."""

PLACE = """
import sys
sys.path.insert(0, {bench!r})
from pathlib import Path
from longtext import long_article
from audio_articles.audio.assemble import place_clips
from audio_articles.parsing import parse_article
from audio_articles.plan import chapter_marks, gaps_ms, plan_speech
from audio_articles.speech.cache import ClipCache
from audio_articles.speech.render import render_clips
from audio_articles.speech.voices import load_profile
article = parse_article(long_article({words}))
profile = load_profile()
jobs = plan_speech(article, profile)
clips = render_clips(jobs, ClipCache(Path({cache!r})), "pyttsx3", 2)
placements, timeline = place_clips(jobs, clips, gaps_ms(article, jobs, profile), chapter_marks(article))
if {measure_loudness}:
    from audio_articles.audio.loudness import loudness_plan
    plan = loudness_plan(placements)
    print(plan.measured_lufs, plan.gain_db, plan.true_peak_dbtp, file=sys.stderr)
"""


def rows() -> list[Row]:
    python = str(BIN / "python")
    bench = str(ROOT / "tests" / "bench")
    result = []
    with tempfile.TemporaryDirectory(prefix="bench-sound-") as scratch:
        folder = Path(scratch)
        cache = folder / "cache"
        env = {"AUDIO_ARTICLES_CACHE": str(cache)}
        article = folder / "hour.txt"
        article.write_text(long_article(WORDS), encoding="utf-8")
        # Warm the clip cache once: the rows below then show assembly, loudness and encoding.
        measure([str(BIN / "audio-articles"), "convert", str(article), "-o", str(folder / "warm.wav")], env=env)
        seconds = audio_seconds(folder / "warm.wav")
        for label, flag in (("place clips only", False), ("place clips + loudness plan", True)):
            script = PLACE.format(bench=bench, words=WORDS, cache=str(cache), measure_loudness=flag)
            wall, peak = measure([python, "-c", script], env=env)
            result.append(Row(f"sound: 1 h, {label}", wall, seconds, peak, "difference = BS.1770 measurement"))
        for name in ("hour.mp3", "hour.m4b", "hour.opus", "hour.wav"):
            wall, peak = measure(
                [str(BIN / "audio-articles"), "convert", str(article), "-o", str(folder / name)], env=env
            )
            size = os.path.getsize(folder / name) / 1e6
            result.append(Row(f"sound: convert 1 h to {name.split('.')[1]} (cached clips)", wall, seconds, peak, f"{size:.0f} MB"))
    return result
