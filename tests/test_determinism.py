"""espeak-ng renders are deterministic (issue #26, item 9) and never cut short by a signal
the program ignores (item 4)."""

from __future__ import annotations

import functools
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
import wave
from pathlib import Path

import pytest

from audio_articles.errors import EngineError
from audio_articles.model import SegmentKind, SpeechJob, Voice
from audio_articles.speech.cache import ClipCache
from audio_articles.speech.engines import pyttsx3_engine
from audio_articles.speech.engines.pyttsx3_engine import Pyttsx3Engine
from audio_articles.speech.render import SpeechPool, render_clips

from .audio_checks import decode, ffprobe_chapters

pytestmark = pytest.mark.engine
BODY = Voice("gmw/en-us")
SENTENCE = "The harbour was quiet this morning, and the cranes stood still along the quay."
LONG = " ".join([SENTENCE] * 18)


def in_a_child_process(test):
    """Run the test in a forked child: speaking in-process (``ISOLATED`` off) leaves
    espeak-ng's state behind, and every later clip of this process is forked from it."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        readable, writable = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(readable)
            code = 0
            try:
                test(*args, **kwargs)
            except BaseException:  # noqa: BLE001 - reported to the parent
                os.write(writable, traceback.format_exc().encode()[-4000:])
                code = 1
            os._exit(code)
        os.close(writable)
        with os.fdopen(readable, "rb") as report:
            failure = report.read().decode()
        _, status = os.waitpid(pid, 0)
        assert status == 0, failure

    return run


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_the_same_text_gives_the_same_bytes_whatever_the_process_said_before(tmp_path):
    # espeak-ng's wave generator keeps state between utterances: the same text twice in
    # one process gave 387,916 then 388,380 bytes. Every clip is now espeak-ng -w's.
    engine = Pyttsx3Engine()
    first = engine.synthesize(SENTENCE, BODY, tmp_path / "first.wav")
    engine.synthesize("Something else entirely, and longer, said in between.", Voice("gmw/en-us+f3", rate=140), tmp_path / "x.wav")
    engine.synthesize(LONG, BODY, tmp_path / "long.wav")
    again = engine.synthesize(SENTENCE, BODY, tmp_path / "again.wav")
    assert first.frames == again.frames and digest(first.path) == digest(again.path)
    subprocess.run(["espeak-ng", "-v", "gmw/en-us", "-w", str(tmp_path / "cli.wav"), SENTENCE], check=True, timeout=60)
    assert digest(tmp_path / "cli.wav") == digest(first.path)


def test_whatever_else_the_process_did_a_variant_voice_is_espeak_ng_s_own(tmp_path):
    # The +f variants' breath noise comes from the C library's rand(): a process that
    # drew from it (opening a Dask cluster does) rendered them differently.
    import ctypes

    voice = Voice("gmw/en-us+f3", rate=160)
    subprocess.run(
        ["espeak-ng", "-v", voice.voice, "-s", "160", "-w", str(tmp_path / "cli.wav"), SENTENCE], check=True, timeout=60
    )
    libc = ctypes.CDLL(None)
    for _ in range(1000):
        libc.rand()
    ours = Pyttsx3Engine().synthesize(SENTENCE, voice, tmp_path / "ours.wav")
    with wave.open(str(ours.path)) as a, wave.open(str(tmp_path / "cli.wav")) as b:
        assert a.readframes(a.getnframes()) == b.readframes(b.getnframes())


def test_a_clip_spoken_in_another_thread_is_the_same(tmp_path):
    # Dask runs tasks in threads: the child forked from one still ignores SIGINT and speaks.
    here = Pyttsx3Engine().synthesize(SENTENCE, BODY, tmp_path / "here.wav")
    there: list[object] = []
    worker = threading.Thread(
        target=lambda: there.append(Pyttsx3Engine().synthesize(SENTENCE, BODY, tmp_path / "there.wav"))
    )
    worker.start()
    worker.join(60)
    assert there and digest(tmp_path / "there.wav") == digest(here.path)


def jobs_of(texts: list[str]) -> list[SpeechJob]:
    voices = [BODY, Voice("gmw/en-us+f3", rate=160)]
    return [
        SpeechJob(index=n, kind=SegmentKind.BODY, text=text, spoken=text, voice=voices[n % 2], paragraph=n)
        for n, text in enumerate(texts)
    ]


def test_one_process_and_a_pool_of_two_render_byte_identical_clips(tmp_path):
    # Before: all 366 clips of an article differed between -j 1 and -j 2.
    texts = [f"Paragraph {n}: {SENTENCE}" for n in range(8)] + [LONG]
    single = render_clips(jobs_of(texts), ClipCache(tmp_path / "one"), "pyttsx3", workers=1)
    with SpeechPool("pyttsx3", 2) as pool:
        pooled = render_clips(jobs_of(texts), ClipCache(tmp_path / "two"), "pyttsx3", pool=pool)
    assert [digest(c.path) for c in single] == [digest(c.path) for c in pooled]


def test_a_crashed_engine_process_is_an_error_and_leaves_no_clip(tmp_path, monkeypatch):
    def crash(*args) -> None:
        os.kill(os.getpid(), signal.SIGSEGV)

    monkeypatch.setattr(pyttsx3_engine, "_speak_in_child", crash)
    with pytest.raises(EngineError, match=r"crashed \(signal 11\) on 'The harbour"):
        Pyttsx3Engine().synthesize(SENTENCE, BODY, tmp_path / "never.wav")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert Pyttsx3Engine().synthesize(SENTENCE, BODY, tmp_path / "after.wav").frames > 22050


@pytest.mark.parametrize("isolated", [True, False], ids=["forked", "in-process"])
@in_a_child_process
def test_sigint_ignored_by_the_process_never_shortens_a_clip(tmp_path, monkeypatch, isolated):
    monkeypatch.setattr(pyttsx3_engine, "ISOLATED", isolated)
    engine = Pyttsx3Engine()
    reference = engine.synthesize(LONG, BODY, tmp_path / "reference.wav")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()

    def keep_interrupting() -> None:
        while not stop.wait(0.01):
            os.kill(os.getpid(), signal.SIGINT)

    interrupter = threading.Thread(target=keep_interrupting)
    interrupter.start()
    try:
        clips = [engine.synthesize(LONG, BODY, tmp_path / f"{n}.wav") for n in range(3)]
    finally:
        stop.set()
        interrupter.join()
        signal.signal(signal.SIGINT, previous)
    if isolated:
        assert [digest(c.path) for c in clips] == [digest(reference.path)] * 3
    else:  # in one process renders differ by a few hundred samples (see the engine's notes)
        assert all(abs(c.frames - reference.frames) < 0.01 * reference.frames for c in clips)


@in_a_child_process
def test_in_process_a_sigint_handler_that_does_not_raise_still_gives_no_short_clip(tmp_path, monkeypatch):
    monkeypatch.setattr(pyttsx3_engine, "ISOLATED", False)
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        with pytest.raises(EngineError, match="interrupted"):
            for _ in range(100):
                Pyttsx3Engine().synthesize(LONG, BODY, tmp_path / "long.wav")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIGINT]


def article_of(paragraphs: int) -> str:
    return "A Long Report\n\n" + "\n\n".join(f"Paragraph {n} of the report. {SENTENCE} {SENTENCE}" for n in range(paragraphs))


def cache_digests(cache: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in cache.glob("??/[0-9a-f]*.wav")}  # not temporaries


def test_a_run_started_with_sigint_ignored_caches_no_short_clip(tmp_path):
    # Issue #26, item 4: `setsid … & kill -INT -- -$!` from a script: the run exited 0 with
    # a chapter 14 s short, and the re-run took the short clip from the cache.
    article = tmp_path / "report.txt"
    article.write_text(article_of(60), encoding="utf-8")
    env = {**os.environ, "AUDIO_ARTICLES_CACHE": str(tmp_path / "calm")}
    command = [sys.executable, "-m", "audio_articles", "convert", str(article), "--jobs", "2", "-o"]
    subprocess.run([*command, str(tmp_path / "calm.mp3")], env=env, check=True, capture_output=True, timeout=300)

    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    env["AUDIO_ARTICLES_CACHE"] = str(tmp_path / "stormy")
    run = subprocess.Popen(
        [*command, str(tmp_path / "stormy.mp3")], env=env, start_new_session=True, preexec_fn=ignore_sigint,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    sent = 0
    while run.poll() is None:
        time.sleep(0.05)
        try:
            os.killpg(run.pid, signal.SIGINT)  # the whole group: the tool, its workers, espeak-ng's children
            sent += 1
        except ProcessLookupError:
            break
    assert run.wait(timeout=300) == 0, run.stderr.read()
    assert sent >= 10
    calm, stormy = cache_digests(tmp_path / "calm"), cache_digests(tmp_path / "stormy")
    assert len(calm) >= 60 and stormy == calm
    # The same clips: the same length in samples and the same chapters. The MP3's bytes may
    # differ where an idle encoder took over part of another's work, which depends on
    # timing; so may its size, by a byte: each part starts MP3's frame padding afresh.
    calm_mp3, stormy_mp3 = tmp_path / "calm.mp3", tmp_path / "stormy.mp3"
    assert decode(stormy_mp3).size == decode(calm_mp3).size
    assert ffprobe_chapters(stormy_mp3) == ffprobe_chapters(calm_mp3)
