"""The clip cache keeps only whole clips: sealed when the engine returns them, checked
against the seal on every read; temporary files of killed runs are removed and counted."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import wave

from typer.testing import CliRunner

from audio_articles.cli import app
from audio_articles.model import SegmentKind, SpeechJob, Voice
from audio_articles.speech import cache as cache_module
from audio_articles.speech.cache import ClipCache, clip_key, is_sealed, wav_is_complete
from audio_articles.speech.render import render_clips

VOICE = Voice("gmw/en-us")


def job(index: int, text: str) -> SpeechJob:
    return SpeechJob(index=index, kind=SegmentKind.BODY, text=text, spoken=text, voice=VOICE, paragraph=index)


def rewrite_shorter(path, keep_frames: int) -> None:
    """Replace a clip by a consistent WAV holding only its first frames: what a stopped
    engine used to write (a header that matches its shorter data)."""
    with wave.open(str(path), "rb") as wav:
        params, frames = wav.getparams(), wav.readframes(keep_frames)
    with wave.open(str(path), "wb") as wav:
        wav.setparams(params)
        wav.writeframes(frames)


def test_a_published_clip_is_sealed_and_still_an_ordinary_wav(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    [clip] = render_clips([job(1, "A clip for the seal.")], cache, fake_engine)
    assert is_sealed(clip.path) and wav_is_complete(clip.path)
    with wave.open(str(clip.path), "rb") as wav:  # readers skip the seal chunk
        assert wav.getnframes() == clip.frames
    run = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=duration_ts", "-of", "csv=p=0", str(clip.path)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert int(run.stdout.strip()) == clip.frames


def test_a_clip_cut_short_with_a_consistent_header_is_rendered_again(tmp_path, fake_engine):
    # Issue #26, item 4: a shortened WAV with a header that matches its data passed the
    # old check, and "1606 of 1606 from cache" reproduced the short chapter.
    cache = ClipCache(tmp_path)
    jobs = [job(1, "The first paragraph."), job(2, "The second paragraph, cut short afterwards.")]
    render_clips(jobs, cache, fake_engine)
    path = cache.path(clip_key(fake_engine.identity(), jobs[1].spoken, VOICE))
    whole = path.read_bytes()
    rewrite_shorter(path, 1000)
    assert wav_is_complete(path)  # the old check let it through
    assert not is_sealed(path)
    fake_engine.calls.clear()
    clips = render_clips(jobs, cache, fake_engine)
    assert [call.text for call in fake_engine.calls] == [jobs[1].spoken]
    assert [clip.cached for clip in clips] == [True, False]
    assert path.read_bytes() == whole


def test_any_change_to_a_sealed_clip_makes_it_missing(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    [clip] = render_clips([job(1, "A clip we damage in three ways.")], cache, fake_engine)
    key = clip_key(fake_engine.identity(), "A clip we damage in three ways.", VOICE)
    whole = clip.path.read_bytes()
    middle = bytearray(whole)
    middle[len(whole) // 2] ^= 0x55  # one sample changed
    for damaged in (bytes(middle), whole[:-10], whole + b"\0\0"):
        clip.path.write_bytes(damaged)
        assert cache.get(key) is None
    clip.path.write_bytes(whole)
    assert cache.get(key) is not None


def test_an_unsealed_clip_of_an_earlier_version_is_rendered_again(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    key = clip_key(fake_engine.identity(), "Cached before clips were sealed.", VOICE)
    fake_engine.synthesize("Cached before clips were sealed.", VOICE, cache.prepare(key).with_name(f"{key}.wav"))
    assert cache.get(key) is None


def test_temporary_files_of_a_dead_run_are_removed_when_the_cache_is_opened_and_counted_till_then(tmp_path, fake_engine):
    cache = ClipCache(tmp_path)
    render_clips([job(1, "A finished clip.")], cache, fake_engine)
    shard = next(p for p in tmp_path.iterdir() if p.is_dir())
    key = "ab" * 32
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # a process that has ended
    left = [shard / f".{key}.{dead_pid}.0.wav", shard / f"..{key}.{dead_pid}.3.{dead_pid + 1}.wav", shard / f".{key}.{dead_pid}.levels"]
    young = shard / f".{key}.{dead_pid}.7.wav"  # a dead owner's, but changed moments ago
    mine = shard / f".{key}.{os.getpid()}.9.wav"  # this process's: alive
    for path in (*left, young, mine):
        path.write_bytes(b"part of a clip")
    then = time.time() - 2 * cache_module.TEMP_GRACE_S
    for path in (*left, mine):
        os.utime(path, (then, then))

    stats = cache.stats()
    assert (stats.clips, stats.temporaries, stats.temporary_bytes) == (1, 5, 5 * len(b"part of a clip"))
    result = CliRunner().invoke(app, ["cache", "info"], env={"AUDIO_ARTICLES_CACHE": str(tmp_path)})
    assert "temporary 5 files" in result.output

    cache_module._swept.discard(cache.root)
    with ClipCache(tmp_path).in_use():
        pass
    assert [p.exists() for p in left] == [False, False, False]
    assert young.exists() and mine.exists()
    assert ClipCache(tmp_path).stats().temporaries == 2
