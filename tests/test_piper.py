"""Piper voices: the real piper-tts runtime (and onnxruntime) on a synthetic voice built
during the test run (tests/piper_voice.py), through the engine, the renderer, ``convert``
and the command line; the output read back with ffprobe, ffmpeg and pyloudnorm."""

from __future__ import annotations

import json
import logging
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from audio_articles.cli import app
from audio_articles.convert import Options, convert
from audio_articles.errors import InputError, MissingToolError, ProfileError
from audio_articles.model import SegmentKind, SpeechJob, Voice
from audio_articles.speech.cache import ClipCache
from audio_articles.speech.engines import EngineSet, create_engine
from audio_articles.speech.engines.piper_engine import (
    EMPTY_MS,
    OUTPUT_RATE,
    PEAK,
    find_voice_files,
)
from audio_articles.speech.render import render_clips
from audio_articles.speech.voices import load_profile

from .audio_checks import decode, ffprobe_chapters, ffprobe_format, read_wav
from .piper_voice import AMPLITUDE, FULL_IDS, SAMPLE_RATE, SAMPLES_PER_ID, build_voice, tone_hz

pytestmark = pytest.mark.piper
pytest.importorskip("piper", reason="the piper extra is not installed: pip install -e '.[dev,piper]' (make test does)")

ARTICLE = Path(__file__).parent / "articles" / "port-strike-talks.txt"
LONG = "This sentence has quite a lot of sounds in it, more than sixty phoneme ids for sure."


@pytest.fixture(scope="module")
def voices(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("piper-voices")
    build_voice(folder, "test-voice")
    build_voice(folder, "choir", speakers=3)
    build_voice(folder, "no-schwa", drop_phonemes=("ə",))
    return folder


@pytest.fixture(scope="module")
def piper():
    return create_engine("piper")


def piper_voice(folder: Path, name: str = "test-voice", **settings) -> Voice:
    return Voice(voice=name, engine="piper", model=str(folder / f"{name}.onnx"), **settings)


def phoneme_ids_per_sentence(model: Path, text: str) -> list[int]:
    """What piper-tts itself makes of the text: phoneme ids per sentence."""
    from piper import PiperVoice

    loaded = PiperVoice.load(model)
    return [len(loaded.phonemes_to_ids(p)) for p in loaded.phonemize(text) if p]


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def tone_share(samples: np.ndarray, rate: int, hz: float, width: float = 25.0) -> float:
    """Share of the signal's energy within ``width`` Hz of ``hz``: ≈ 1 for the synthetic
    voice's tone, small for speech."""
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return float(power[np.abs(freqs - hz) < width].sum() / power.sum())


# --- the engine on its own ---------------------------------------------------------------


def test_clip_length_follows_the_phoneme_ids_and_is_resampled_to_the_programme_rate(voices, piper, tmp_path):
    text = "Hello there. The second sentence is a little longer!"
    clip = piper.synthesize(text, piper_voice(voices), tmp_path / "a.wav")
    ids = phoneme_ids_per_sentence(voices / "test-voice.onnx", text)
    assert len(ids) == 2  # piper-tts splits sentences itself
    expected = sum(n * SAMPLES_PER_ID for n in ids) * OUTPUT_RATE / SAMPLE_RATE
    assert clip.sample_rate == OUTPUT_RATE == 22050
    assert clip.frames == pytest.approx(expected, abs=2)
    samples, rate = read_wav(clip.path)
    assert dominant_hz(samples, rate) == pytest.approx(tone_hz(0), abs=3)


def test_rate_maps_to_length_scale(voices, piper, tmp_path):
    natural = piper.synthesize(LONG, piper_voice(voices, rate=175), tmp_path / "a.wav")
    fast = piper.synthesize(LONG, piper_voice(voices, rate=350), tmp_path / "b.wav")
    slow = piper.synthesize(LONG, piper_voice(voices, rate=120), tmp_path / "c.wav")
    assert fast.frames == pytest.approx(natural.frames / 2, rel=0.01)
    assert slow.frames == pytest.approx(natural.frames * 175 / 120, rel=0.01)


def test_the_voice_configs_own_length_scale_is_kept(tmp_path, piper):
    slower = build_voice(tmp_path / "v", "slow", length_scale=1.5)
    normal = build_voice(tmp_path / "v", "normal")
    a = piper.synthesize(LONG, Voice("slow", engine="piper", model=str(slower)), tmp_path / "a.wav")
    b = piper.synthesize(LONG, Voice("normal", engine="piper", model=str(normal)), tmp_path / "b.wav")
    assert a.frames == pytest.approx(1.5 * b.frames, rel=0.01)


def test_each_speaker_of_a_multi_speaker_voice(voices, piper, tmp_path):
    for speaker in (0, 2):
        clip = piper.synthesize(LONG, piper_voice(voices, "choir", speaker=speaker), tmp_path / f"{speaker}.wav")
        samples, rate = read_wav(clip.path)
        assert dominant_hz(samples, rate) == pytest.approx(tone_hz(speaker), abs=3)


def test_one_peak_scaling_per_clip_keeps_the_models_sentence_levels(voices, piper, tmp_path):
    # piper-tts stretches every sentence to full scale; the quiet short sentence must stay
    # quieter than the long one, and the clip as a whole peaks at PEAK × volume.
    text = f"Hi. {LONG}"
    short_ids, long_ids = phoneme_ids_per_sentence(voices / "test-voice.onnx", text)
    clip = piper.synthesize(text, piper_voice(voices, volume=0.5), tmp_path / "a.wav")
    samples, _ = read_wav(clip.path)
    boundary = round(short_ids * SAMPLES_PER_ID * OUTPUT_RATE / SAMPLE_RATE)
    short_peak = np.abs(samples[: boundary - 50]).max()
    long_peak = np.abs(samples[boundary + 50 :]).max()
    assert long_peak == pytest.approx(PEAK * 0.5, abs=0.01)
    model_ratio = min(1, short_ids / FULL_IDS) / min(1, long_ids / FULL_IDS)
    assert short_peak / long_peak == pytest.approx(model_ratio, abs=0.03)
    assert AMPLITUDE < PEAK * 0.5  # the clip was scaled, not left at the model's level


def test_text_without_speakable_sounds_gives_a_short_silence_not_a_formatless_wav(voices, piper, tmp_path):
    clip = piper.synthesize("...", piper_voice(voices), tmp_path / "a.wav")
    with wave.open(str(clip.path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, OUTPUT_RATE)
        assert wav.getnframes() == OUTPUT_RATE * EMPTY_MS // 1000
        assert not any(wav.readframes(wav.getnframes()))


def test_sounds_the_voice_lacks_are_reported_once_and_skipped(voices, tmp_path, caplog):
    engine = create_engine("piper")  # a fresh engine: nothing reported yet
    voice = piper_voice(voices, "no-schwa")
    text = "The letter arrived a day later."
    with caplog.at_level(logging.WARNING):
        first = engine.synthesize(text, voice, tmp_path / "a.wav")
        engine.synthesize("Another sentence about the weather.", voice, tmp_path / "b.wav")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "no-schwa.onnx" in warnings[0] and "'ə'" in warnings[0]
    assert not any(r.name.startswith("piper") for r in caplog.records)  # not piper-tts's own log line
    full = create_engine("piper").synthesize(text, piper_voice(voices), tmp_path / "c.wav")
    assert 0 < first.frames < full.frames


def test_double_brackets_in_article_text_are_not_read_as_raw_phonemes(voices, piper, tmp_path):
    # piper-tts reads [[...]] as phonemes; "[[zzzzzzzzzzzzzzzzzzzz]]" would become 20 z sounds.
    raw = "[[zzzzzzzzzzzzzzzzzzzz]]"
    clip = piper.synthesize(raw, piper_voice(voices), tmp_path / "a.wav")
    as_phonemes = (2 + 2 * 20 + 1) * SAMPLES_PER_ID * OUTPUT_RATE / SAMPLE_RATE
    assert clip.frames != pytest.approx(as_phonemes, abs=5)


# --- errors: one clear line, nothing downloaded -----------------------------------------


def test_missing_model_says_where_voices_are_published(tmp_path, piper):
    with pytest.raises(InputError, match=r"not found; download a voice .*huggingface.co/rhasspy/piper-voices"):
        piper.synthesize("Hello.", Voice("x", engine="piper", model=str(tmp_path / "absent.onnx")), tmp_path / "a.wav")


def test_missing_config_names_the_file_to_put_beside_the_model(tmp_path, piper):
    model = build_voice(tmp_path / "v", "lonely")
    Path(f"{model}.json").unlink()
    with pytest.raises(InputError, match=r"has no config lonely\.onnx\.json beside it"):
        piper.synthesize("Hello.", Voice("x", engine="piper", model=str(model)), tmp_path / "a.wav")


def test_unusable_config_and_model_files(tmp_path, piper):
    model = build_voice(tmp_path / "v", "broken")
    Path(f"{model}.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not a Piper voice config"):
        piper.synthesize("Hello.", Voice("x", engine="piper", model=str(model)), tmp_path / "a.wav")
    other = build_voice(tmp_path / "v", "garbage")
    other.write_bytes(b"this is not an onnx model")
    with pytest.raises(InputError, match="not a usable Piper voice model"):
        piper.synthesize("Hello.", Voice("x", engine="piper", model=str(other)), tmp_path / "a.wav")


def test_no_model_given(tmp_path, piper):
    with pytest.raises(InputError, match="--model path/to/voice.onnx"):
        piper.synthesize("Hello.", Voice("x", engine="piper"), tmp_path / "a.wav")


def test_speaker_that_the_voice_does_not_have(voices, piper, tmp_path):
    with pytest.raises(InputError, match="speakers 0 to 2; speaker 3 does not exist"):
        piper.synthesize("Hello.", piper_voice(voices, "choir", speaker=3), tmp_path / "a.wav")
    with pytest.raises(InputError, match="has a single speaker"):
        piper.synthesize("Hello.", piper_voice(voices, speaker=1), tmp_path / "a.wav")


def test_without_the_extra_installed_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "piper", None)  # import piper -> ImportError
    with pytest.raises(MissingToolError, match=r"pip install 'audio-articles\[piper\]'") as caught:
        create_engine("piper")
    assert caught.value.exit_code == 3


# --- cache and rendering ----------------------------------------------------------------


def job(index: int, text: str, voice: Voice, kind: SegmentKind = SegmentKind.BODY) -> SpeechJob:
    return SpeechJob(index=index, kind=kind, text=text, spoken=text, voice=voice, paragraph=index)


def test_a_replaced_voice_file_renders_anew_with_the_new_model(tmp_path):
    # The engines of a process serve many articles (a feed, a batch): a voice replaced in
    # between must change the cache key and be loaded again.
    model = build_voice(tmp_path / "v", "evolving")
    voice = Voice("evolving", engine="piper", model=str(model))
    cache = ClipCache(tmp_path / "cache")
    jobs = [job(1, "Hello there.", voice)]
    first = render_clips(jobs, cache, "pyttsx3")[0]
    assert not first.cached
    assert render_clips(jobs, cache, "pyttsx3")[0].cached
    # A new version of the voice replaces the file (as a download does): same path and size.
    new = build_voice(tmp_path / "new", "evolving", samples_per_id=2 * SAMPLES_PER_ID)
    assert new.stat().st_size == model.stat().st_size
    new.replace(model)
    again = render_clips(jobs, cache, "pyttsx3")[0]
    assert not again.cached
    assert again.frames == pytest.approx(2 * first.frames, abs=2)


def test_engine_set_gives_each_voice_its_own_engine(voices, fake_engine):
    engines = EngineSet(fake_engine)
    assert engines.for_voice(Voice("gmw/en-us")) is fake_engine
    piper = engines.for_voice(piper_voice(voices))
    assert piper.name == "piper" and engines.for_voice(piper_voice(voices, "choir")) is piper
    a, b = engines.identity(piper_voice(voices)), engines.identity(piper_voice(voices, "choir"))
    assert a.startswith("piper-tts-1.8") and a != b


def test_worker_processes_render_piper_voices_like_the_main_process(voices, tmp_path):
    # Enough text for the process pool; workers build their engines by name.
    sentences = [f"Paragraph {n} says something about the harbour and the strike again." for n in range(140)]
    voice = piper_voice(voices)
    jobs = [job(n + 1, text, voice) for n, text in enumerate(sentences)]
    assert sum(len(t) for t in sentences) >= 8000
    pooled = render_clips(jobs, ClipCache(tmp_path / "a"), "pyttsx3", workers=2)
    serial = render_clips(jobs, ClipCache(tmp_path / "b"), "pyttsx3", workers=1)
    assert [c.frames for c in pooled] == [c.frames for c in serial]
    assert read_wav(pooled[7].path)[0].tolist() == read_wav(serial[7].path)[0].tolist()


@pytest.mark.engine
def test_worker_processes_mix_piper_and_espeak_voices(voices, tmp_path):
    # Each worker builds both engines; piper-tts's own espeak-ng phonemizer and the system
    # espeak-ng that pyttsx3 drives live side by side in one process.
    sentences = [f"Item {n}: the harbour reopened after talks, the union said on Monday." for n in range(120)]
    espeak = Voice("gmw/en-us")
    jobs = [job(n + 1, text, piper_voice(voices) if n % 2 else espeak) for n, text in enumerate(sentences)]
    clips = render_clips(jobs, ClipCache(tmp_path / "c"), "pyttsx3", workers=2)
    for n, clip in enumerate(clips[:10]):
        samples, rate = read_wav(clip.path)
        share = tone_share(samples, rate, tone_hz(0))
        assert share > 0.9 if n % 2 else share < 0.3, (n, share)


# --- profiles ---------------------------------------------------------------------------


def write_profile(folder: Path, text: str) -> Path:
    path = folder / "mixed.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_mixes_engines_and_finds_the_model_beside_it(voices):
    profile = load_profile(
        write_profile(
            voices,
            '[defaults]\nvoice = "gmw/en-us"\n'
            '[body]\nengine = "piper"\nmodel = "test-voice.onnx"\n'
            '[headline]\nengine = "piper"\nmodel = "choir.onnx"\nspeaker = 2\nrate = 140\n',
        )
    )
    body = profile.settings(SegmentKind.BODY).voice
    headline = profile.settings(SegmentKind.HEADLINE).voice
    quote = profile.settings(SegmentKind.QUOTE).voice
    assert (body.engine, Path(body.model), body.voice) == ("piper", voices / "test-voice.onnx", "test-voice")
    assert (headline.speaker, headline.voice, headline.rate) == (2, "choir#2", 140)
    assert (quote.engine, quote.model, quote.voice) == (None, None, "gmw/en-us")


def test_profile_with_piper_but_no_model(tmp_path):
    path = write_profile(tmp_path, '[defaults]\nvoice = "gmw/en-us"\n[body]\nengine = "piper"\n')
    with pytest.raises(ProfileError, match=r'\[body\] uses engine = "piper" and needs model'):
        load_profile(path)


# --- end to end: convert with chapters and loudness, and a profile mixing engines -------


@pytest.mark.engine
def test_convert_with_a_piper_voice_has_chapters_and_podcast_loudness(voices, tmp_path):
    import pyloudnorm

    output = tmp_path / "out.mp3"
    result = convert(ARTICLE, output, Options(model=voices / "test-voice.onnx", workers=1, chapters="paragraph"))
    assert {s.voice for s in result.timeline.segments} == {"test-voice"}
    chapters = ffprobe_chapters(output)
    assert len(chapters) == len(result.timeline.chapters) >= 10
    assert chapters[-1]["end"] == pytest.approx(float(ffprobe_format(output)["duration"]), abs=0.1)
    samples = decode(output)
    assert pyloudnorm.Meter(22050).integrated_loudness(samples) == pytest.approx(-19.0, abs=1.0)
    first_body = next(s for s in result.timeline.segments if s.kind == SegmentKind.BODY)
    middle = samples[int(first_body.start_ms * 22.05) + 2000 : int(first_body.end_ms * 22.05) - 2000]
    assert tone_share(middle, 22050, tone_hz(0)) > 0.9


@pytest.mark.engine
def test_a_profile_with_piper_for_the_body_and_espeak_for_quotes(voices, tmp_path):
    profile = write_profile(
        voices,
        '[defaults]\nvoice = "gmw/en-us"\n[body]\nengine = "piper"\nmodel = "choir.onnx"\nspeaker = 1\n'
        '[quote]\nvoice = "gmw/en-us+f3"\n',
    )
    output = tmp_path / "mixed.mp3"
    result = convert(ARTICLE, output, Options(voices=profile, workers=1))
    samples = decode(output)
    by_kind = {}
    for segment in result.timeline.segments:
        by_kind.setdefault(segment.kind, []).append(segment)
    assert by_kind[SegmentKind.QUOTE] and by_kind[SegmentKind.BODY]

    def share(segment) -> float:
        part = samples[int(segment.start_ms * 22.05) : int(segment.end_ms * 22.05)]
        return tone_share(part, 22050, tone_hz(1))

    assert all(share(s) > 0.9 for s in by_kind[SegmentKind.BODY])  # the synthetic Piper tone
    assert all(share(s) < 0.3 for s in by_kind[SegmentKind.QUOTE])  # espeak-ng speech
    assert {s.voice for s in by_kind[SegmentKind.QUOTE]} == {"gmw/en-us+f3"}
    assert len(ffprobe_chapters(output)) == len(result.timeline.chapters)


@pytest.mark.engine
def test_command_line_convert_with_engine_piper_and_model(voices, tmp_path):
    output = tmp_path / "cli.mp3"
    runner = CliRunner()
    args = ["convert", str(ARTICLE), "-o", str(output), "--engine", "piper", "--jobs", "1"]
    missing = runner.invoke(app, [*args, "--model", str(tmp_path / "nope.onnx")])
    assert missing.exit_code == 2 and not output.exists()
    assert "not found; download a voice" in missing.output and "Traceback" not in missing.output
    no_model = runner.invoke(app, args)
    assert no_model.exit_code == 2 and "--model path/to/voice.onnx" in no_model.output
    done = runner.invoke(app, [*args, "--model", str(voices / "choir.onnx"), "--speaker", "2"])
    assert done.exit_code == 0, done.output
    middle = decode(output)[22050 : 22050 * 2]  # inside the headline
    assert dominant_hz(middle, 22050) == pytest.approx(tone_hz(2), abs=3)


# --- listing the voices a user has -----------------------------------------------------


def test_voices_command_lists_piper_voices_in_the_users_voices_folder(tmp_path, monkeypatch):
    config = tmp_path / "config"
    monkeypatch.setenv("AUDIO_ARTICLES_CONFIG", str(config))
    runner = CliRunner()
    empty = runner.invoke(app, ["voices", "--engine", "fake"])
    assert empty.exit_code == 0, empty.output
    assert f"Piper voices: none in {config / 'voices'}" in empty.output
    build_voice(config / "voices", "en_US-test-low")
    build_voice(config / "voices", "en_GB-choir-medium", speakers=4, sample_rate=22050)
    (config / "voices" / "half-downloaded.onnx").write_bytes(b"")
    listed = runner.invoke(app, ["voices", "--engine", "fake"])
    assert "Piper voices (2)" in listed.stdout
    assert f"{config / 'voices' / 'en_US-test-low.onnx'}  en_US, 16000 Hz\n" in listed.stdout
    assert "en_GB-choir-medium.onnx  en_US, 22050 Hz, speakers 0-3" in listed.stdout
    # No .onnx.json beside it: not listed, and a warning says what is missing.
    assert "half-downloaded" not in listed.stdout
    assert "half-downloaded.onnx has no config half-downloaded.onnx.json" in listed.stderr
    as_json = json.loads(runner.invoke(app, ["voices", "--engine", "fake", "--json"]).stdout)
    in_folder = [Path(v["model"]).name for v in as_json["piper"] if v["package"] is None]
    assert in_folder == ["en_GB-choir-medium.onnx", "en_US-test-low.onnx"]  # installed voices follow
    assert as_json["piper"][0]["speakers"] == ["speaker0", "speaker1", "speaker2", "speaker3"]


def test_find_voice_files_reads_language_and_speakers(voices):
    found = {v.name: v for v in find_voice_files([voices])}
    assert found["choir"].speakers == ("speaker0", "speaker1", "speaker2")
    assert (found["test-voice"].language, found["test-voice"].sample_rate) == ("en_US", SAMPLE_RATE)
    config = json.loads(Path(f"{found['choir'].model}.json").read_text())
    assert config["num_speakers"] == 3
