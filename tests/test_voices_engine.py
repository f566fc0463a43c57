"""The real engine (espeak-ng through pyttsx3) follows the profile: a quotation in the
default profile's female variant is clearly higher in pitch than the body, a slower
rate gives a longer clip, and a French article is spoken by a French voice."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from audio_articles.model import SegmentKind
from audio_articles.parsing import parse_article
from audio_articles.plan import plan_speech
from audio_articles.speech.engines import create_engine
from audio_articles.speech.voices import load_profile

pytestmark = pytest.mark.engine

TEXT = "The council met on Monday evening and agreed to open the library again in the spring."


def samples(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
        return data, wav.getframerate()


def median_f0(path, low_hz: float = 60.0, high_hz: float = 450.0) -> float:
    """Median fundamental frequency of the voiced frames, by autocorrelation."""
    data, rate = samples(path)
    frame = int(0.04 * rate)
    loudest = np.abs(data).max()
    estimates = []
    for start in range(0, len(data) - frame, frame // 2):
        chunk = data[start : start + frame]
        if np.sqrt(np.mean(chunk**2)) < 0.1 * loudest:
            continue  # silence or a quiet consonant
        chunk = chunk - chunk.mean()
        corr = np.correlate(chunk, chunk, mode="full")[frame - 1 :]
        lo, hi = int(rate / high_hz), int(rate / low_hz)
        lag = lo + int(np.argmax(corr[lo:hi]))
        if corr[lag] > 0.3 * corr[0]:  # clearly periodic: a voiced sound
            estimates.append(rate / lag)
    assert len(estimates) > 10, "too few voiced frames to judge"
    return float(np.median(estimates))


@pytest.fixture(scope="module")
def engine():
    return create_engine("pyttsx3")


def test_quotation_in_the_female_variant_is_higher(engine, tmp_path):
    profile = load_profile("default")
    body = engine.synthesize(TEXT, profile.settings(SegmentKind.BODY).voice, tmp_path / "body.wav")
    quote = engine.synthesize(TEXT, profile.settings(SegmentKind.QUOTE).voice, tmp_path / "quote.wav")
    body_f0, quote_f0 = median_f0(body.path), median_f0(quote.path)
    assert 70 < body_f0 < 180, body_f0  # a male voice
    assert quote_f0 > 1.4 * body_f0, (body_f0, quote_f0)


def test_slower_rate_gives_a_longer_clip(engine, tmp_path):
    voice = load_profile("default").settings(SegmentKind.BODY).voice
    fast = engine.synthesize(TEXT, voice, tmp_path / "fast.wav")
    slow_voice = load_profile("default").with_overrides(rate=120).settings(SegmentKind.BODY).voice
    slow = engine.synthesize(TEXT, slow_voice, tmp_path / "slow.wav")
    assert slow_voice.rate == 120 and voice.rate == 175
    # Speech time scales with 1/rate: 175/120 = 1.46; allow for the fixed lead and tail.
    assert slow.duration_ms > 1.25 * fast.duration_ms, (fast.duration_ms, slow.duration_ms)


def test_french_voice_speaks_french(engine, tmp_path):
    article = parse_article("Titre\n\nLe conseil municipal a voté mardi pour la rénovation de la bibliothèque, qui est fermée depuis un an.")
    jobs = plan_speech(article, load_profile())
    body = next(job for job in jobs if job.kind == SegmentKind.BODY)
    assert body.voice.voice == "roa/fr"
    clip = engine.synthesize(body.spoken, body.voice, tmp_path / "fr.wav")
    assert clip.duration_ms > 2000
