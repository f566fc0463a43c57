"""pitch_shift: the setting in a profile, and the shift itself through ffmpeg (rubberband,
and the asetrate + atempo chain for an ffmpeg without it), measured on a pure tone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from audio_articles.errors import ProfileError
from audio_articles.model import SegmentKind, Voice
from audio_articles.speech import pitch
from audio_articles.speech.cache import clip_key
from audio_articles.speech.voices import load_profile

RATE = 22050


def tone_hz(samples: np.ndarray) -> float:
    """The power-weighted mean frequency between 100 and 500 Hz: a phase vocoder such as
    Rubber Band spreads a pure tone over a few neighbouring bins, so the peak bin alone
    wanders by a few per cent."""
    power = np.abs(np.fft.rfft(samples * np.hanning(samples.size))) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / RATE)
    band = (freqs > 100) & (freqs < 500)
    return float((freqs[band] * power[band]).sum() / power[band].sum())


@pytest.mark.parametrize("method", ["rubberband", "asetrate"])
@pytest.mark.parametrize("factor", [1.3, 0.8])
def test_a_tone_comes_out_at_factor_times_its_pitch_and_the_same_length(monkeypatch, method, factor):
    if method == "rubberband" and pitch.shifter() != "rubberband":
        pytest.skip("this ffmpeg has no rubberband filter")
    monkeypatch.setattr(pitch, "shifter", lambda: method)
    tone = 0.5 * np.sin(2 * np.pi * 200.0 * np.arange(RATE * 2) / RATE)
    shifted = pitch.shift_pitch(tone, RATE, factor)
    assert shifted.size == tone.size
    middle = shifted[RATE // 2 : -RATE // 2]  # away from the filters' edges
    assert tone_hz(middle) == pytest.approx(200.0 * factor, rel=0.03)
    assert np.sqrt(np.mean(middle**2)) > 0.1  # still a tone, not silence


def test_no_shift_leaves_the_samples_alone():
    samples = np.linspace(-0.5, 0.5, 100)
    assert pitch.shift_pitch(samples, RATE, 1.0) is samples
    assert pitch.shift_identity(1.0) == ""


def write(folder: Path, text: str) -> Path:
    path = folder / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pitch_shift_is_a_piper_setting_of_a_kind(tmp_path):
    profile = load_profile(
        write(tmp_path, '[defaults]\nengine = "piper"\nmodel = "en_US-joe-medium"\n[quote]\npitch_shift = 1.25\n')
    )
    assert profile.settings(SegmentKind.QUOTE).voice.pitch_shift == 1.25
    assert profile.settings(SegmentKind.QUOTE).voice.voice == "en_US-joe-medium ×1.25"
    assert profile.settings(SegmentKind.BODY).voice.pitch_shift == 1.0
    assert profile.settings(SegmentKind.BODY).voice.model == "en_US-joe-medium"  # a name, found when spoken


def test_pitch_shift_on_an_espeak_voice_or_out_of_range_is_refused(tmp_path):
    with pytest.raises(ProfileError, match=r"quote\.pitch_shift applies to Piper voices only"):
        load_profile(write(tmp_path, '[defaults]\nvoice = "gmw/en-us"\n[quote]\npitch_shift = 1.3\n'))
    with pytest.raises(ProfileError, match=r"pitch_shift = 3 is out of range; allowed 0.5 to 2"):
        load_profile(write(tmp_path, '[defaults]\nengine = "piper"\nmodel = "v.onnx"\npitch_shift = 3\n'))
    with pytest.raises(ProfileError, match="or an installed voice's name"):
        load_profile(write(tmp_path, '[defaults]\nengine = "piper"\nmodel = "voices/v"\n'))


def test_a_voice_from_the_command_line_drops_the_shift():
    natural = load_profile("natural")
    changed = natural.with_overrides(quote_voice="gmw/en-us+f3")
    assert changed.settings(SegmentKind.QUOTE).voice == Voice("gmw/en-us+f3", rate=175, volume=1.0)
    assert natural.with_overrides(voice="gmw/en-us").settings(SegmentKind.QUOTE).voice.pitch_shift == 1.0


def test_the_cache_key_of_an_unshifted_voice_is_what_it_was_before_the_setting():
    voice = Voice("gmw/en-us")
    # The key the code before pitch_shift computed: clips cached then are still found.
    assert clip_key("fake-1", "Hello.", voice) == "95da6e0f418cf17ea9465b6473d5a1f16b971f644e702a6f0ad4d353f4627970"
    assert clip_key("fake-1", "Hello.", voice) != clip_key("fake-1", "Hello.", replace(voice, pitch_shift=1.3))
