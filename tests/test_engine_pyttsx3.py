"""The real engine: pyttsx3 driving espeak-ng, with its Linux pitfalls handled."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from audio_articles.errors import EngineError
from audio_articles.model import Voice
from audio_articles.speech.cache import ClipCache
from audio_articles.speech.engines.pyttsx3_engine import Pyttsx3Engine, split_for_engine
from audio_articles.speech.render import SpeechPool, render_clips
from audio_articles.plan import plan_speech
from audio_articles.parsing import parse_article
from audio_articles.speech.voices import load_profile

from .audio_checks import audible_frames, ffprobe_chapters, median_f0, read_wav

pytestmark = pytest.mark.engine
BODY = Voice("gmw/en-us")
QUOTE = Voice("gmw/en-us+f3")
SENTENCE = "The harbour was quiet this morning, and the cranes stood still along the quay."


@pytest.fixture(scope="module")
def engine():
    return Pyttsx3Engine()


def test_writes_a_mono_16_bit_wav_and_nothing_on_stdout(engine, tmp_path, capfd):
    clip = engine.synthesize(SENTENCE, BODY, tmp_path / "a.wav")
    assert clip.sample_rate == 22050
    assert 3000 < clip.duration_ms < 8000
    samples, _ = read_wav(clip.path)
    assert abs(samples).max() > 0.1
    out, _ = capfd.readouterr()
    assert out == ""  # the driver's "Audio saved to …" is kept off stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav"]  # no temporary files left


def test_consecutive_calls_each_write_their_own_file(engine, tmp_path):
    first = engine.synthesize("One short sentence.", BODY, tmp_path / "1.wav")
    second = engine.synthesize(SENTENCE + " " + SENTENCE, BODY, tmp_path / "2.wav")
    assert second.duration_ms > 2 * first.duration_ms


def test_a_female_variant_is_clearly_higher_in_pitch(engine, tmp_path):
    body = read_wav(engine.synthesize(SENTENCE, BODY, tmp_path / "body.wav").path)
    quote = read_wav(engine.synthesize(SENTENCE, QUOTE, tmp_path / "quote.wav").path)
    body_f0, quote_f0 = median_f0(*body), median_f0(*quote)
    assert body_f0 > 60
    assert quote_f0 > 1.3 * body_f0, (body_f0, quote_f0)


def test_unknown_voice_is_an_error_not_a_silent_fallback(engine, tmp_path):
    with pytest.raises(EngineError, match="no voice 'gmw/en-nowhere'"):
        engine.synthesize(SENTENCE, Voice("gmw/en-nowhere"), tmp_path / "x.wav")
    with pytest.raises(EngineError, match="no voice"):
        engine.synthesize(SENTENCE, Voice("gmw/en-us+nosuchvariant"), tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_missing_folder_is_an_error_not_a_hang(engine, tmp_path):
    with pytest.raises(EngineError, match="no such folder"):
        engine.synthesize(SENTENCE, BODY, tmp_path / "missing" / "x.wav")


def test_long_text_is_spoken_in_chunks_and_joined(engine, tmp_path):
    text = " ".join([SENTENCE] * 40)  # ≈ 3,200 characters, three engine calls
    assert len(split_for_engine(text)) == 3
    clip = engine.synthesize(text, BODY, tmp_path / "long.wav")
    single = engine.synthesize(SENTENCE, BODY, tmp_path / "one.wav")
    assert clip.duration_ms == pytest.approx(40 * single.duration_ms, rel=0.1)


def test_split_keeps_every_character_and_the_limit():
    text = "word " * 1000 + "x" * 4000
    pieces = split_for_engine(text, limit=700)
    assert all(len(piece) <= 700 for piece in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_process_pool_renders_the_same_clips(tmp_path):
    text = "Headline of the test\n\n" + "\n\n".join(
        f"Paragraph {n}. {SENTENCE} “This is a quotation of some length,” she said." for n in range(60)
    )
    jobs = plan_speech(parse_article(text), load_profile())
    assert sum(len(job.spoken) for job in jobs) > 8000  # large enough for the pool
    pooled = render_clips(jobs, ClipCache(tmp_path / "pool"), "pyttsx3", workers=2)
    serial = render_clips(jobs, ClipCache(tmp_path / "serial"), "pyttsx3", workers=1)
    assert len(pooled) == len(serial) == len(jobs)
    for a, b in zip(pooled, serial):
        # espeak's trailing pause depends on the utterance before; the speech does not.
        assert audible_frames(a.path) == pytest.approx(audible_frames(b.path), rel=0.03)


def test_a_pool_started_in_the_background_renders_at_once_and_closes_cleanly(tmp_path):
    """``warm`` returns while the workers boot; using the pool waits for them, and a pool
    closed while still starting stops its workers too."""
    text = "Headline\n\n" + "\n\n".join(f"Paragraph {n}. {SENTENCE}" for n in range(4))
    jobs = plan_speech(parse_article(text), load_profile())
    with SpeechPool("pyttsx3", 2).warm() as pool:
        clips = render_clips(jobs, ClipCache(tmp_path / "clips"), "pyttsx3", pool=pool)
        workers = list(pool.executor._processes.values())
    assert len(clips) == len(jobs) and all(audible_frames(clip.path) > 0 for clip in clips)
    assert len(workers) == pool.workers and not any(worker.is_alive() for worker in workers)
    SpeechPool("pyttsx3", 2).warm().close()
    assert multiprocessing.active_children() == []


def test_the_fork_server_preloads_no_speech_library():
    """Importing the workers' modules must not load espeak-ng: where it is missing, its
    driver raises on import, and that would end the fork server for every engine."""
    code = (
        "import importlib, sys; from audio_articles.speech.render import WORKER_MODULES\n"
        "for name in WORKER_MODULES: importlib.import_module(name)\n"
        "print('espeak' in open('/proc/self/maps').read(), 'pyttsx3.drivers.espeak' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.split() == ["False", "False"]


def test_a_long_article_is_sent_to_the_workers_before_numpy_loads(tmp_path):
    """The command line starts a long article's speech workers before it imports the
    conversion code, and hands them the first clips before NumPy is imported: both
    imports then overlap the speech instead of delaying it."""
    article = tmp_path / "long.txt"
    paragraphs = (f"Paragraph {n} of the report. {SENTENCE} {SENTENCE}" for n in range(60))
    article.write_text("A Long Report\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    code = (
        "import sys\n"
        "from audio_articles.speech import render\n"
        "seen = []\n"
        "warm, send = render.SpeechPool.warm, render._render_in_pool\n"
        "def early_warm(pool):\n"
        "    seen.append(('workers started', 'audio_articles.convert' in sys.modules))\n"
        "    return warm(pool)\n"
        "def early_send(*args):\n"
        "    seen.append(('clips sent', 'numpy' in sys.modules))\n"
        "    return send(*args)\n"
        "render.SpeechPool.warm, render._render_in_pool = early_warm, early_send\n"
        "from audio_articles.cli import main\n"
        "try:\n"
        "    main(['convert', sys.argv[1], '-o', sys.argv[2], '--jobs', '2'])\n"
        "except SystemExit as end:\n"
        "    assert not end.code, end.code\n"
        "print(seen)\n"
    )
    output = tmp_path / "long.mp3"
    run = subprocess.run(
        [sys.executable, "-c", code, str(article), str(output)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "AUDIO_ARTICLES_CACHE": str(tmp_path / "cache")},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[('workers started', False), ('clips sent', False)]"
    assert len(ffprobe_chapters(output)) == 61


def test_cli_converts_a_news_article_with_the_real_engine(tmp_path):
    article = Path(__file__).parent / "articles" / "port-strike-talks.txt"
    output = tmp_path / "news.mp3"
    run = subprocess.run(
        [sys.executable, "-m", "audio_articles", "convert", str(article), "-o", str(output)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert str(output) in run.stderr
    chapters = ffprobe_chapters(output)
    assert len(chapters) == 12
    assert chapters[0]["title"].startswith("Harbour Workers")
    assert all(a["start"] < b["start"] for a, b in zip(chapters, chapters[1:]))
    assert chapters[-1]["end"] > 150  # about three minutes of speech


def test_every_call_uses_its_own_rate_even_when_settings_alternate(engine, tmp_path):
    # espeak-ng applies settings on its own thread; pyttsx3's runAndWait cancels settings
    # still queued, so without care a clip gets the previous call's rate.
    lengths: dict[int, list[int]] = {175: [], 130: []}
    for n in range(12):
        rate = 175 if n % 2 else 130
        voice = Voice("gmw/en-us+f3" if n % 3 else "gmw/en-us", rate=rate)
        lengths[rate].append(engine.synthesize(SENTENCE, voice, tmp_path / f"{n}.wav").frames)
    for rate, frames in lengths.items():
        assert max(frames) < 1.03 * min(frames), (rate, frames)
    assert min(lengths[130]) > 1.2 * max(lengths[175])


FIRST_CLIP = """
import sys
from pathlib import Path
from audio_articles.model import Voice
from audio_articles.speech.engines.pyttsx3_engine import Pyttsx3Engine
Pyttsx3Engine().voices()  # a second engine object in the process, as voice checks make
clip = Pyttsx3Engine().synthesize(sys.argv[1], Voice("gmw/en-us", rate=130), Path(sys.argv[2]))
print(clip.frames)
"""


def test_the_first_clip_of_a_fresh_process_has_its_own_rate(tmp_path):
    # A new pyttsx3 engine used to apply the first clip's settings late enough that they
    # were sometimes cancelled: that clip came out at espeak's default 200 wpm.
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_CLIP, SENTENCE, str(tmp_path / f"{n}.wav")],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        for n in range(8)
    ]
    frames = [int(run.communicate(timeout=120)[0]) for run in runs]
    assert max(frames) < 1.03 * min(frames), frames


SAME_CLIPS = """
import hashlib, sys
from pathlib import Path
from audio_articles.model import Voice
from audio_articles.speech.engines import pyttsx3_engine
if sys.argv[1] == "bytes":
    pyttsx3_engine._buffer_in_place = lambda engine: None  # the driver as pyttsx3 ships it
engine = pyttsx3_engine.Pyttsx3Engine()
for n, text in enumerate(sys.argv[3:]):
    clip = engine.synthesize(text, Voice("gmw/en-us"), Path(sys.argv[2]) / f"{sys.argv[1]}-{n}.wav")
    print(hashlib.sha256(clip.path.read_bytes()).hexdigest())
print(type(engine._engine.proxy._driver._data_buffer).__name__)
"""


def test_the_driver_buffer_grows_in_place_and_writes_the_same_clips(tmp_path):
    # Long enough for dozens of the driver's buffers: each one appended used to copy the clip so far.
    texts = [" ".join([SENTENCE] * 12), "One short sentence.", " ".join([SENTENCE] * 5)]
    runs = {
        kind: subprocess.run(
            [sys.executable, "-c", SAME_CLIPS, kind, str(tmp_path), *texts],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout.split()
        for kind in ("bytes", "in-place")
    }  # fmt: skip
    assert runs["bytes"][-1] == "bytes" and runs["in-place"][-1] == "bytearray"
    assert runs["bytes"][:-1] == runs["in-place"][:-1]  # the same WAV files, byte for byte
    assert len(set(runs["bytes"][:-1])) == 3


@pytest.fixture
def busy_at_start(engine, monkeypatch):
    """Make espeak-ng look busy to the driver as ``runAndWait()`` starts, for the first
    ``count[0]`` calls, as its thread does for an instant when it closes its output after
    150 ms idle; the driver then cancels the utterance it was about to speak."""
    from pyttsx3.drivers import _espeak

    count, runs, armed = [0], [], []
    real_is_playing, tts = _espeak.IsPlaying, engine._get()
    real_run = tts.runAndWait

    def is_playing():
        return bool(armed and armed.pop()) or real_is_playing()

    def run_and_wait():
        runs.append(1)
        if len(runs) <= count[0]:
            armed.append(True)  # the driver's stop() asks next
        real_run()

    monkeypatch.setattr(_espeak, "IsPlaying", is_playing)
    monkeypatch.setattr(tts, "runAndWait", run_and_wait)
    return count, runs


LONG = " ".join([SENTENCE] * 4)
"""Long enough that the driver's loop sees its stop flag before espeak-ng has finished."""


def test_an_utterance_the_driver_cancels_is_spoken_again(engine, busy_at_start, tmp_path):
    reference = engine.synthesize(LONG, BODY, tmp_path / "reference.wav")
    count, runs = busy_at_start
    runs.clear()
    count[0] = 1
    clips = [engine.synthesize(LONG, BODY, tmp_path / f"{n}.wav") for n in range(2)]
    # The driver cancels the utterance it starts or, when that one is done first, the next:
    # either way one of the two is spoken twice, and both come out whole.
    assert len(runs) == 3
    for clip in clips:
        assert audible_frames(clip.path) == pytest.approx(audible_frames(reference.path), rel=0.03)


def test_an_utterance_cancelled_every_time_is_a_clear_error(engine, busy_at_start, tmp_path):
    count, runs = busy_at_start
    count[0] = 100
    with pytest.raises(EngineError, match=r"cancelled 'The harbour was quiet this morning, and ' 4 times; run again"):
        engine.synthesize(LONG, BODY, tmp_path / "never.wav")
    assert len(runs) == 4
    assert list(tmp_path.iterdir()) == []  # no temporary file left
    count[0] = 0
    assert engine.synthesize(SENTENCE, BODY, tmp_path / "after.wav").frames > 0
