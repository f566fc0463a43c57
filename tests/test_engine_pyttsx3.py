"""The real engine: pyttsx3 driving espeak-ng, with its Linux pitfalls handled."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
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
        "    main(['convert', sys.argv[1], '-o', sys.argv[2], '--jobs', '2', '--chapters', 'paragraph'])\n"
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
        [sys.executable, "-m", "audio_articles", "convert", str(article), "-o", str(output), "--chapters", "paragraph"],
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
    # pyttsx3's own driver applied settings on espeak-ng's thread and cancelled those still
    # queued, so a clip could get the previous call's rate; each must have its own.
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
    # A new pyttsx3 driver used to apply the first clip's settings late enough that they
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


FRESH_CLIP = """
import sys
from pathlib import Path
from audio_articles.model import Voice
from audio_articles.speech.engines.pyttsx3_engine import Pyttsx3Engine
voice = Voice(sys.argv[1], rate=int(sys.argv[2]), pitch=int(sys.argv[3]), volume=float(sys.argv[4]))
Pyttsx3Engine().synthesize(sys.argv[5], voice, Path(sys.argv[6]))
"""


@pytest.mark.parametrize(
    "voice", [Voice("gmw/en-us"), Voice("gmw/en-us+f3", rate=160, pitch=60, volume=0.9)], ids=["body", "quote"]
)
def test_the_samples_are_the_ones_espeak_ng_itself_writes(voice, tmp_path):
    # espeak-ng's output depends a little on what the process spoke before, so both sides
    # speak in a fresh process: the engine, and the espeak-ng program.
    text = SENTENCE + " “Quoted, with 1,234 numbers,” she said."
    ours, theirs = tmp_path / "ours.wav", tmp_path / "theirs.wav"
    settings = [voice.voice, str(voice.rate), str(voice.pitch), str(voice.volume)]
    subprocess.run([sys.executable, "-c", FRESH_CLIP, *settings, text, str(ours)], check=True, timeout=60)
    subprocess.run(
        ["espeak-ng", "-v", voice.voice, "-s", str(voice.rate), "-p", str(voice.pitch),
         "-a", str(round(voice.volume * 100)), "-w", str(theirs), text],
        check=True, timeout=60,
    )  # fmt: skip
    ours_samples, ours_rate = read_wav(ours)
    theirs_samples, theirs_rate = read_wav(theirs)
    assert ours_rate == theirs_rate == 22050
    assert len(ours_samples) > 22050
    assert (ours_samples == theirs_samples).all() and len(ours_samples) == len(theirs_samples)


LONG = " ".join([SENTENCE] * 18)
"""About 1,400 characters: one engine call of ≈ 90 s of speech, ≈ 90 of espeak-ng's buffers."""


def test_an_utterance_past_its_deadline_is_stopped_with_a_clear_error(tmp_path):
    hasty = Pyttsx3Engine(timeout_s=0.001)  # espeak-ng takes ≈ 0.1 s for this text
    with pytest.raises(EngineError, match=r"hung for 0.001 s on 'The harbour was quiet this morning, and '"):
        hasty.synthesize(LONG, BODY, tmp_path / "never.wav")
    assert list(tmp_path.iterdir()) == []  # no temporary file left
    clip = Pyttsx3Engine().synthesize(SENTENCE, BODY, tmp_path / "after.wav")  # espeak-ng was stopped cleanly
    assert 3000 < clip.duration_ms < 8000


def test_ctrl_c_while_espeak_speaks_stops_it_and_is_raised(engine, tmp_path):
    # Python runs the SIGINT handler inside espeak-ng's callback, where its exception
    # would be printed and dropped: the engine stops espeak-ng and raises it afterwards.
    threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        for _ in range(100):  # ≈ 10 s of espeak-ng's work: the interrupt comes during one of them
            engine.synthesize(LONG, BODY, tmp_path / "long.wav")
    assert [p.name for p in tmp_path.iterdir()] in ([], ["long.wav"])  # no temporary file left
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert engine.synthesize(SENTENCE, BODY, tmp_path / "after.wav").frames > 22050
