"""Faults from the environment: a full disk, a hung engine, missing programs, two runs at
once, and runs killed with SIGKILL. Each ends in a clear error or a valid file, never in
a corrupt output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from audio_articles.errors import EngineError
from audio_articles.model import Voice
from audio_articles.speech.engines.pyttsx3_engine import Pyttsx3Engine

from .audio_checks import ffprobe_chapters
from .test_cli import ARTICLE, assert_one_line_error, run_cli


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "audio_articles", *args]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KB tmpfs: a real full disk (needs root, as CI has)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_disk_full_is_exit_4_and_keeps_the_previous_output(tiny_disk):
    output = tiny_disk / "story.mp3"
    output.write_bytes(b"previous good file")
    run = run_cli("convert", str(ARTICLE), "-o", str(output), "--engine", "fake", "--no-cache")
    assert_one_line_error(run, 4, "disk full")
    assert output.read_bytes() == b"previous good file"
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["story.mp3"]


def test_a_runaway_engine_call_times_out_in_a_worker_thread_too(tmp_path):
    # Dask runs tasks in threads, where no signal reaches: the deadline is checked in
    # espeak-ng's callback, whichever thread speaks.
    engine = Pyttsx3Engine(timeout_s=0.001)  # the real engine takes ≈ 0.1 s for this text
    outcome: list[BaseException] = []

    def speak() -> None:
        try:
            engine.synthesize("A sentence nobody will finish saying. " * 30, Voice("gmw/en-us"), tmp_path / "x.wav")
        except BaseException as error:  # noqa: BLE001 (handed to the test thread)
            outcome.append(error)

    worker = threading.Thread(target=speak)
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], EngineError)
    assert "hung for 0.001 s" in str(outcome[0])
    assert list(tmp_path.iterdir()) == []
    engine.timeout_s = 60
    assert engine.synthesize("Spoken again.", Voice("gmw/en-us"), tmp_path / "y.wav").frames > 0  # the engine still works


SPEAK_ONCE = """
import ctypes, sys
from pathlib import Path

{breakage}
from audio_articles.errors import AudioArticlesError
from audio_articles.model import Voice
from audio_articles.speech.engines.pyttsx3_engine import Pyttsx3Engine
try:
    Pyttsx3Engine().synthesize("Hello.", Voice("gmw/en-us"), Path(sys.argv[1]))
except AudioArticlesError as error:
    print(error.exit_code, error)
"""


def speak_once_after(breakage: str, tmp_path) -> str:
    """What a fresh process prints (exit code and error) when it speaks after ``breakage``;
    also checks that it left no file behind."""
    run = subprocess.run(
        [sys.executable, "-c", SPEAK_ONCE.format(breakage=breakage), str(tmp_path / "x.wav")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert list(tmp_path.iterdir()) == []
    return run.stdout.strip()


def test_missing_espeak_library_says_what_to_install(tmp_path):
    printed = speak_once_after(
        "def no_library(*args, **kwargs):\n"
        "    raise OSError('libespeak-ng.so.1: cannot open shared object file: No such file or directory')\n"
        "ctypes.cdll.LoadLibrary = no_library",
        tmp_path,
    )
    assert printed.startswith("3 espeak-ng is not installed; install espeak-ng: 'sudo apt-get install espeak-ng"), printed


def test_a_pyttsx3_without_its_espeak_binding_is_named_not_taken_for_a_missing_espeak(tmp_path):
    # None in sys.modules: as in a pyttsx3 that moved or renamed the module.
    printed = speak_once_after("sys.modules['pyttsx3.drivers._espeak'] = None", tmp_path)
    assert printed == (
        "1 this pyttsx3 has no espeak-ng binding (pyttsx3.drivers._espeak); "
        "install pyttsx3 2: pip install 'pyttsx3>=2.99,<3'"
    )


def test_missing_ffmpeg_is_exit_3_naming_the_package(tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    run = subprocess.run(
        cli_command("convert", str(ARTICLE), "-o", str(tmp_path / "x.mp3"), "--engine", "fake"),
        capture_output=True, text=True, env={**os.environ, "PATH": str(empty_bin)}, timeout=120,
    )  # fmt: skip
    assert_one_line_error(run, 3, "ffmpeg is not installed", "apt-get install ffmpeg", "brew install ffmpeg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]


def test_two_runs_at_once_on_one_output_and_one_cache_both_finish(tmp_path):
    output = tmp_path / "story.mp3"
    env = {**os.environ, "AUDIO_ARTICLES_CACHE": str(tmp_path / "cache")}
    runs = [
        subprocess.Popen(
            cli_command("convert", str(ARTICLE), "-o", str(output), "-j", "1", "--chapters", "paragraph"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        for _ in range(2)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr.decode()
    assert len(ffprobe_chapters(output)) == 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "story.mp3"]


@pytest.mark.engine
def test_kill_9_at_random_moments_then_a_rerun_finishes(tmp_path):
    long_article = tmp_path / "long.txt"
    paragraphs = ARTICLE.read_text(encoding="utf-8").split("\n\n")
    long_article.write_text("\n\n".join([paragraphs[0]] + paragraphs[1:] * 4), encoding="utf-8")
    output = tmp_path / "long.mp3"
    env = {**os.environ, "AUDIO_ARTICLES_CACHE": str(tmp_path / "cache")}
    killed = 0
    for delay in (0.4, 1.2, 2.5):
        process = subprocess.Popen(
            cli_command("convert", str(long_article), "-o", str(output), "--chapters", "paragraph"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
        )  # fmt: skip
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the run and its workers, without warning
            killed += 1
        process.wait()
        # Never a partial file at the final path: either nothing yet, or a complete MP3.
        if output.exists():
            assert len(ffprobe_chapters(output)) == 45
    assert killed >= 2  # the runs were really cut short
    run = subprocess.run(cli_command("convert", str(long_article), "-o", str(output), "--chapters", "paragraph"), capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert len(ffprobe_chapters(output)) == 45
    # Temporary files of the killed runs are swept; only the output and the cache remain.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "long.mp3", "long.txt"]
