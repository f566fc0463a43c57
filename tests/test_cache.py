"""The clip cache: check on read, least-recently-used eviction, sharing between processes,
and the ``cache info`` / ``cache clear`` commands."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audio_articles.cli import app
from audio_articles.errors import InputError
from audio_articles.model import SegmentKind, SpeechJob, Voice
from audio_articles.speech import cache as cache_module
from audio_articles.speech.cache import ClipCache, clip_key, default_max_bytes, wav_is_complete
from audio_articles.units import format_size
from audio_articles.speech.render import render_clips

VOICE = Voice("gmw/en-us")
BIN = Path(sys.executable).parent


def job(index: int, text: str) -> SpeechJob:
    return SpeechJob(index=index, kind=SegmentKind.BODY, text=text, spoken=text, voice=VOICE, paragraph=index)


def add_clip(cache: ClipCache, engine, text: str, age_s: float = 0) -> Path:
    """Render ``text`` into the cache, last used ``age_s`` seconds ago."""
    key = clip_key(engine.identity(), text, VOICE)
    path = cache.publish(engine.synthesize(text, VOICE, cache.prepare(key)), key).path
    if age_s:
        then = time.time() - age_s
        os.utime(path, (then, then))
    return path


def test_doctests_of_the_size_helpers():
    assert doctest.testmod(cache_module).failed == 0


def test_key_changes_with_text_voice_and_engine():
    base = clip_key("fake-1", "Hello.", VOICE)
    assert base == clip_key("fake-1", "Hello.", Voice("gmw/en-us"))
    assert base != clip_key("fake-1", "Hello!", VOICE)
    assert base != clip_key("fake-1", "Hello.", Voice("gmw/en-us", rate=176))
    assert base != clip_key("fake-2", "Hello.", VOICE)


def test_a_rendered_clip_comes_back_from_the_cache(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    key = clip_key(fake_engine.identity(), "Hello there.", VOICE)
    assert cache.get(key) is None
    add_clip(cache, fake_engine, "Hello there.")
    clip = cache.get(key)
    assert clip is not None and clip.cached and clip.frames > 0


def test_a_truncated_clip_is_detected_and_rendered_again(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    jobs = [job(1, "The first paragraph."), job(2, "The second paragraph, which we damage.")]
    render_clips(jobs, cache, fake_engine)
    damaged = cache.path(clip_key(fake_engine.identity(), jobs[1].spoken, VOICE))
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[: len(whole) // 2])  # as if the disk filled up mid-copy
    assert not wav_is_complete(damaged)
    assert cache.get(clip_key(fake_engine.identity(), jobs[1].spoken, VOICE)) is None

    fake_engine.calls.clear()
    clips = render_clips(jobs, cache, fake_engine)
    assert [call.text for call in fake_engine.calls] == [jobs[1].spoken]
    assert [clip.cached for clip in clips] == [True, False]
    assert damaged.read_bytes() == whole


@pytest.mark.parametrize("content", [b"", b"RIFF", b"not a wav file at all, just text", b"RIFF\x10\x00\x00\x00WAVEfmt "])
def test_garbage_in_the_cache_counts_as_missing(tmp_path, content):
    cache = ClipCache(tmp_path)
    key = "ab" + "0" * 62
    cache.prepare(key)  # makes the folder
    cache.path(key).write_bytes(content)
    assert cache.get(key) is None


def test_a_hit_marks_the_clip_recently_used(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    path = add_clip(cache, fake_engine, "Used long ago.", age_s=86400)
    cache.get(clip_key(fake_engine.identity(), "Used long ago.", VOICE))
    assert time.time() - path.stat().st_mtime < 60


def test_eviction_removes_the_least_recently_used_clips(tmp_path, fake_engine):
    writer = ClipCache(tmp_path)
    texts = [f"Clip number {n} has a sentence of about the same length." for n in range(10)]
    paths = [add_clip(writer, fake_engine, text, age_s=1000 - 10 * n) for n, text in enumerate(texts)]
    size = paths[0].stat().st_size
    # The oldest clip is used again: it must survive, the next oldest go first.
    writer.get(clip_key(fake_engine.identity(), texts[0], VOICE))

    cache = ClipCache(tmp_path, max_bytes=6 * size)
    removed = cache.trim()
    survivors = [p.exists() for p in paths]
    stats = cache.stats()
    assert stats.bytes <= cache.max_bytes * cache_module.TRIM_TO
    assert removed == 5 and stats.clips == 5
    assert survivors == [True, False, False, False, False, False, True, True, True, True]


def test_within_the_limit_nothing_is_evicted(tmp_path, fake_engine):
    cache = ClipCache(tmp_path, max_bytes=10**9)
    add_clip(cache, fake_engine, "Keep me.", age_s=10**6)
    assert cache.trim() == 0
    assert cache.stats().clips == 1


def test_no_eviction_while_another_conversion_uses_the_cache(tmp_path, fake_engine):
    running = ClipCache(tmp_path)
    path = add_clip(running, fake_engine, "A clip the running conversion still needs.", age_s=10**6)
    tiny = ClipCache(tmp_path, max_bytes=1)
    with running.in_use():
        assert tiny.trim() == 0  # the lock is busy: nothing is deleted under the reader
        assert path.exists()
    assert tiny.trim() == 1
    assert not path.exists()


def test_a_conversion_evicts_when_it_finishes(tmp_path, fake_engine):
    old = add_clip(ClipCache(tmp_path), fake_engine, "Something rendered last year.", age_s=3 * 10**7)
    cache = ClipCache(tmp_path, max_bytes=old.stat().st_size + 1000)
    with cache.in_use():
        render_clips([job(1, "Something new today.")], cache, fake_engine)
        assert old.exists()
    assert not old.exists()
    assert cache.stats().clips == 1


def test_runs_within_the_counted_size_do_not_scan_the_cache(tmp_path, fake_engine):
    """After a full count, runs add what they wrote to the estimate instead of scanning
    every file; a clip added behind the cache's back is only seen at the daily recount."""
    text = "A clip of some length, rendered for this test of the size estimate."
    counted = add_clip(ClipCache(tmp_path), fake_engine, text, age_s=3000)
    size = counted.stat().st_size
    ClipCache(tmp_path).trim()  # full count: one clip
    unseen = add_clip(ClipCache(tmp_path), fake_engine, text.upper(), age_s=2000)  # not recorded

    cache = ClipCache(tmp_path, max_bytes=int(2.5 * size))
    with cache.in_use():
        render_clips([job(1, text.replace("clip", "pip"))], cache, fake_engine)
    assert counted.exists() and unseen.exists()  # estimate 2 clips: within the limit, no scan
    assert cache.stats().bytes > cache.max_bytes

    total = tmp_path / cache_module.TOTAL_NAME
    count = json.loads(total.read_text())
    total.write_text(json.dumps({**count, "when": count["when"] - cache_module.RESCAN_S - 1}))  # a day old
    assert cache.trim() == 1  # counted again: three clips, over the limit; the oldest goes
    assert not counted.exists() and unseen.exists()
    assert cache.stats().clips == 2


def test_additions_recorded_by_each_run_add_up_to_an_eviction(tmp_path, fake_engine):
    text = "Another clip of some length, rendered for the running estimate."
    old = add_clip(ClipCache(tmp_path), fake_engine, text, age_s=3000)
    size = old.stat().st_size
    ClipCache(tmp_path).trim()
    for n in range(2):
        cache = ClipCache(tmp_path, max_bytes=int(2.5 * size))
        with cache.in_use():
            render_clips([job(1, text.replace("Another", f"Run {n}'s"))], cache, fake_engine)
        assert old.exists() == (n == 0)  # the second run passes the limit and evicts
    assert cache.stats().clips == 2


def test_temporary_files_left_by_a_killed_run_are_removed_once_stale(tmp_path, fake_engine):
    cache = ClipCache(tmp_path, max_bytes=10**9)
    add_clip(cache, fake_engine, "Done.")
    shard = next(p for p in tmp_path.iterdir() if p.is_dir())
    stale, fresh = shard / ".abc.123.tmp", shard / ".def.456.0.wav"
    stale.write_bytes(b"half a clip")
    fresh.write_bytes(b"being written now")
    then = time.time() - 2 * cache_module.STALE_TEMP_S
    os.utime(stale, (then, then))
    cache.trim()
    assert not stale.exists() and fresh.exists()
    assert cache.stats().clips == 1  # temporary files never count as clips


def test_clear_removes_every_clip(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    for n in range(3):
        add_clip(cache, fake_engine, f"Clip {n}.")
    removed = cache.clear()
    assert removed.clips == 3 and removed.bytes > 0
    assert cache.stats().clips == 0
    assert not any(p.is_dir() for p in tmp_path.iterdir())


def test_size_limit_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUDIO_ARTICLES_CACHE_SIZE", "500M")
    assert default_max_bytes() == 500 * 1024**2
    monkeypatch.delenv("AUDIO_ARTICLES_CACHE_SIZE")
    assert default_max_bytes() == 2 * 1024**3
    monkeypatch.setenv("AUDIO_ARTICLES_CACHE_SIZE", "big")
    with pytest.raises(InputError, match="AUDIO_ARTICLES_CACHE_SIZE='big' is not a size; use"):
        default_max_bytes()


def test_an_unwritable_cache_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    from audio_articles.errors import OutputError

    with pytest.raises(OutputError, match="AUDIO_ARTICLES_CACHE .* or use --no-cache"):
        ClipCache(blocker / "cache").prepare("ab" + "0" * 62)


# -- the commands -------------------------------------------------------------------


def test_cache_info_and_clear_commands(isolated_cache, fake_engine, monkeypatch):
    monkeypatch.setenv("AUDIO_ARTICLES_CACHE_SIZE", "1G")
    for n in range(4):
        add_clip(ClipCache(isolated_cache), fake_engine, f"Paragraph {n} of something.")
    size = ClipCache(isolated_cache).stats().bytes
    runner = CliRunner()

    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0, info.output
    assert str(isolated_cache) in info.output
    assert "4 clips" in info.output
    assert format_size(size) in info.output
    assert any(line.startswith("limit") and "1.0 GiB" in line for line in info.output.splitlines())

    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert f"removed 4 clips ({format_size(size)})" in cleared.output
    assert "0 clips" in runner.invoke(app, ["cache", "info"]).output


def test_cache_info_with_a_bad_size_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("AUDIO_ARTICLES_CACHE_SIZE", "12 parsecs")
    result = CliRunner().invoke(app, ["cache", "info"])
    assert result.exit_code == 2
    assert "not a size" in result.output


def test_two_conversions_at_once_share_a_small_cache(tmp_path, isolated_cache):
    """Both finish with complete output while each evicts the other's clips."""
    paragraphs = [f"Paragraph {n} says something different about topic {n}, at some length." for n in range(30)]
    articles = []
    for name in ("first", "second"):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"The {name} article\n\n" + "\n\n".join(f"{name}: {p}" for p in paragraphs), encoding="utf-8")
        articles.append(path)
    env = {**os.environ, "AUDIO_ARTICLES_CACHE": str(isolated_cache), "AUDIO_ARTICLES_CACHE_SIZE": "300K"}
    runs = [
        subprocess.Popen(
            [str(BIN / "audio-articles"), "convert", str(article), "--engine", "fake", "--jobs", "1"],
            env=env, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for article in articles
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
    from .audio_checks import ffprobe_chapters, ffprobe_format

    for article in articles:
        chapters = ffprobe_chapters(article.with_suffix(".mp3"))  # complete: chapters to the end
        assert chapters[-1]["end"] == pytest.approx(float(ffprobe_format(article.with_suffix(".mp3"))["duration"]), abs=0.1)
    assert ClipCache(isolated_cache).stats().bytes <= 300 * 1024


def test_the_first_clip_published_for_a_key_stays(tmp_path, fake_engine):
    # Two conversions may render the same text at once: the second render is dropped, so
    # the file the first one measured and streams never changes under it.
    cache = ClipCache(tmp_path)
    key = clip_key(fake_engine.identity(), "Said by two articles at once.", VOICE)
    first = cache.publish(fake_engine.synthesize("Said by two articles at once.", VOICE, cache.prepare(key)), key)
    before = first.path.read_bytes()
    fake_engine.lead_ms += 40  # the other render came out a little longer
    second_render = fake_engine.synthesize("Said by two articles at once.", VOICE, cache.prepare(key))
    second = cache.publish(second_render, key)
    assert second.path == first.path and second.frames == first.frames
    assert first.path.read_bytes() == before
    assert not second_render.path.exists()
    assert [p.name for p in first.path.parent.iterdir()] == [first.path.name]  # no temporary left


def test_a_damaged_clip_is_replaced_when_published_again(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    key = clip_key(fake_engine.identity(), "Damaged, then rendered again.", VOICE)
    cache.prepare(key)
    cache.path(key).write_bytes(b"RIFF and nothing more")
    clip = cache.publish(fake_engine.synthesize("Damaged, then rendered again.", VOICE, cache.prepare(key)), key)
    assert clip.path == cache.path(key) and wav_is_complete(clip.path)
    assert cache.get(key).frames == clip.frames
