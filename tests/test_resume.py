"""Re-rendering only what changed, and resuming a conversion killed midway (even kill -9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audio_articles.convert import Options, convert
from audio_articles.speech.cache import ClipCache

from .audio_checks import decode, ffprobe_chapters, ffprobe_format, rms_db

BIN = Path(sys.executable).parent


def long_article(paragraphs: int, words: int = 60) -> str:
    """A made-up article whose paragraphs all differ (so every one is its own clip)."""
    body = []
    for n in range(1, paragraphs + 1):
        sentence = f"Paragraph {n} reports on the harbour works, which the council approved in week {n}."
        body.append(" ".join([sentence] * max(1, words // len(sentence.split()))))
    return "Harbour works, a long report\n\n" + "\n\n".join(body) + "\n"


# -- re-render only what changed (engine calls counted) ----------------------------


def test_an_unchanged_second_conversion_synthesizes_nothing(tmp_path, fake_engine):
    source = tmp_path / "report.txt"
    source.write_text(long_article(6), encoding="utf-8")
    first = convert(source, tmp_path / "one.mp3", Options(engine=fake_engine))
    assert len(fake_engine.calls) == first.clips == 7
    fake_engine.calls.clear()
    second = convert(source, tmp_path / "two.mp3", Options(engine=fake_engine))
    assert fake_engine.calls == []
    assert second.cached_clips == second.clips == 7
    assert (tmp_path / "one.mp3").read_bytes() == (tmp_path / "two.mp3").read_bytes()


def test_after_editing_one_paragraph_exactly_one_clip_is_synthesized(tmp_path, fake_engine):
    source = tmp_path / "report.txt"
    text = long_article(6)
    source.write_text(text, encoding="utf-8")
    convert(source, tmp_path / "out.mp3", Options(engine=fake_engine))
    fake_engine.calls.clear()

    source.write_text(text.replace("Paragraph 4 reports", "Paragraph four reports", 1), encoding="utf-8")
    result = convert(source, tmp_path / "out.mp3", Options(engine=fake_engine))
    assert len(fake_engine.calls) == 1
    assert fake_engine.calls[0].text.startswith("Paragraph four reports")
    assert (result.cached_clips, result.clips) == (6, 7)


def test_no_cache_renders_everything_and_keeps_nothing(tmp_path, fake_engine, isolated_cache):
    source = tmp_path / "report.txt"
    source.write_text(long_article(3), encoding="utf-8")
    convert(source, tmp_path / "out.mp3", Options(engine=fake_engine))
    fake_engine.calls.clear()
    before = ClipCache(isolated_cache).stats().clips
    result = convert(source, tmp_path / "out.mp3", Options(engine=fake_engine, use_cache=False))
    assert len(fake_engine.calls) == 4 and result.cached_clips == 0
    assert ClipCache(isolated_cache).stats().clips == before


# -- killed midway, then run again ---------------------------------------------------


def start_conversion(source: Path, output: Path, cache: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "audio-articles"), "convert", str(source), "-o", str(output), *extra],
        env={**os.environ, "AUDIO_ARTICLES_CACHE": str(cache)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_until(condition, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.005)


def kill_when(run: subprocess.Popen, ready) -> None:
    """kill -9 a running conversion as soon as ``ready()`` is true (it must not finish first)."""
    try:
        wait_until(lambda: ready() or run.poll() is not None)
        assert run.poll() is None, f"finished before it could be killed: {run.stderr.read()}"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
        run.stderr.close()


def kill_after_some_clips(source: Path, output: Path, cache: Path, clips: int, *extra: str) -> int:
    """Start a conversion, kill -9 it once ``clips`` clips are cached; return how many were."""
    run = start_conversion(source, output, cache, *extra)
    kill_when(run, lambda: ClipCache(cache).stats().clips >= clips)
    time.sleep(0.5)  # pool workers notice their parent is gone
    return ClipCache(cache).stats().clips


def finish(source: Path, output: Path, cache: Path, *extra: str) -> str:
    run = start_conversion(source, output, cache, *extra)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    return stderr


def from_cache(stderr: str) -> tuple[int, int]:
    """(cached, total) from the "(41 of 42 clips from cache)" report."""
    words = stderr.split("clips from cache")[0].split("(")[-1].split()
    return int(words[0]), int(words[2])


def test_a_killed_conversion_resumes_and_gives_the_same_result(tmp_path):
    source = tmp_path / "report.txt"
    source.write_text(long_article(40, words=40), encoding="utf-8")
    output, cache = tmp_path / "report.mp3", tmp_path / "cache"

    kept = kill_after_some_clips(source, output, cache, 5, "--engine", "fake", "--jobs", "1")
    assert 5 <= kept < 41
    assert not output.exists()  # nothing at the output path, not even part of a file

    cached, total = from_cache(finish(source, output, cache, "--engine", "fake", "--jobs", "1"))
    assert total == 41 and cached == kept  # every clip rendered before the kill was reused

    reference = tmp_path / "reference.mp3"
    finish(source, reference, tmp_path / "fresh-cache", "--engine", "fake", "--jobs", "1")
    assert ffprobe_chapters(output) == ffprobe_chapters(reference)
    assert (decode(output) == decode(reference)).all()


def test_killed_while_encoding_leaves_no_output_and_reruns_from_the_cache(tmp_path):
    source = tmp_path / "report.txt"
    source.write_text(long_article(40, words=40), encoding="utf-8")
    output, cache = tmp_path / "report.mp3", tmp_path / "cache"
    run = start_conversion(source, output, cache, "--engine", "fake", "--jobs", "1")
    kill_when(run, lambda: any(tmp_path.glob(".report.mp3.*.part*")))  # the output being written (not its lock)
    assert not output.exists()
    cached, total = from_cache(finish(source, output, cache, "--engine", "fake", "--jobs", "1"))
    assert cached == total == 41
    chapters = ffprobe_chapters(output)  # complete: its chapters run to the end of the audio
    assert chapters and chapters[0]["start"] == 0
    assert chapters[-1]["end"] == pytest.approx(float(ffprobe_format(output)["duration"]), abs=0.1)
    assert not list(tmp_path.glob(".report.mp3.*"))  # the killed run's temporary file is gone too


@pytest.mark.engine
@pytest.mark.parametrize(("jobs", "paragraphs"), [("1", 20), ("2", 45)])  # 45: > 8000 characters, the pool runs
def test_real_engine_resumes_after_kill_9(tmp_path, jobs, paragraphs):
    source = tmp_path / "report.txt"
    source.write_text(long_article(paragraphs, words=32), encoding="utf-8")
    output, cache = tmp_path / "report.mp3", tmp_path / "cache"

    kept = kill_after_some_clips(source, output, cache, 5, "--jobs", jobs)
    assert 5 <= kept <= paragraphs
    assert not output.exists()

    cached, total = from_cache(finish(source, output, cache, "--jobs", jobs))
    assert total == paragraphs + 1 and cached >= kept
    reference = tmp_path / "reference.mp3"
    finish(source, reference, tmp_path / "fresh-cache", "--jobs", jobs)
    # Every clip is what espeak-ng -w writes from a fresh start, whatever the process spoke
    # before and whichever worker spoke it: the resumed file is the uninterrupted one.
    assert output.read_bytes() == reference.read_bytes()
    samples = decode(output)
    for number, chapter in enumerate(ffprobe_chapters(output)):
        part = samples[int(chapter["start"] * 22050) : int(chapter["end"] * 22050)]
        assert rms_db(part) > -40, f"chapter {number} is silent"
