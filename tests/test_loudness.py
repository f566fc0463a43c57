"""Loudness: our streaming BS.1770 measurement against pyloudnorm and ffmpeg's ebur128
filter, the voice balance, and real renders at the podcast targets."""

from __future__ import annotations

import doctest
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from audio_articles.audio import assemble, encode, formats, loudness
from audio_articles.audio.assemble import pcm_chunks, place_clips
from audio_articles.audio.encode import EncodeSettings
from audio_articles.audio.loudness import (
    LoudnessPlan,
    balanced,
    gated_loudness,
    k_weighting,
    loudness_plan,
    measure,
    parse_target,
    programme_energies,
)
from audio_articles.convert import Options, convert, load_article
from audio_articles.errors import InputError
from audio_articles.model import SegmentKind
from audio_articles.plan import chapter_marks, gaps_ms, plan_speech
from audio_articles.speech.cache import ClipCache
from audio_articles.speech.render import render_clips
from audio_articles.speech.voices import load_profile

from .audio_checks import decode

ARTICLE = Path(__file__).parent / "articles" / "port-strike-talks.txt"
RATE = 22050


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a file, as ffmpeg's ebur128 filter measures it."""
    err = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = err[err.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return integrated, peak


def placed(tmp_path, engine, profile=None, article=ARTICLE):
    """Placements and timeline of an article rendered with ``engine``."""
    article = load_article(article)
    profile = profile or load_profile(None)
    jobs = plan_speech(article, profile)
    clips = render_clips(jobs, ClipCache(tmp_path / "clips"), engine, 1)
    return place_clips(jobs, clips, gaps_ms(article, jobs, profile), chapter_marks(article))


def programme(placements) -> np.ndarray:
    return np.frombuffer(b"".join(pcm_chunks(placements)), dtype="<i2").astype(np.float64) / 32768.0


def test_doctests_of_the_sound_modules_pass():
    for module in (loudness, assemble, encode, formats):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_k_weighting_at_48_khz_is_the_standards_filter():
    # ITU-R BS.1770-4, tables 1 and 2.
    shelf, highpass = k_weighting(48000)
    assert shelf[:3] == pytest.approx([1.53512485958697, -2.69169618940638, 1.19839281085285], abs=1e-8)
    assert shelf[4:] == pytest.approx([-1.69065929318241, 0.73248077421585], abs=1e-8)
    assert highpass[:3] == pytest.approx([1.0, -2.0, 1.0])
    assert highpass[4:] == pytest.approx([-1.99004745483398, 0.99007225036621], abs=1e-8)


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_a_997_hz_sine_reads_as_the_standard_says(rate):
    # BS.1770: a 0 dBFS sine at 997 Hz reads -3.01 LKFS; here at -20 dBFS peak.
    tone = 0.1 * np.sin(2 * np.pi * 997 * np.arange(5 * rate) / rate)
    energies = loudness.weighted_energies(tone, rate)
    assert gated_loudness(energies, loudness.bin_frames(rate)) == pytest.approx(-23.01, abs=0.05)


@pytest.mark.parametrize("quote_volume", [1.0, 0.25])
def test_streaming_measurement_matches_pyloudnorm_on_the_whole_programme(tmp_path, fake_engine, quote_volume):
    profile = load_profile(None).with_voice(SegmentKind.QUOTE, volume=quote_volume)
    placements, _ = placed(tmp_path, fake_engine, profile)
    ours = gated_loudness(programme_energies(measure(placements)), loudness.bin_frames(RATE))
    reference = pyloudnorm.Meter(RATE).integrated_loudness(programme(placements))
    assert ours == pytest.approx(reference, abs=0.2)


def test_a_quiet_quote_voice_is_balanced_to_the_body(tmp_path, fake_engine):
    profile = load_profile(None).with_voice(SegmentKind.QUOTE, volume=0.2)
    placements, _ = placed(tmp_path, fake_engine, profile)
    meter = pyloudnorm.Meter(RATE)

    def kind_lufs(ps, kind):
        return meter.integrated_loudness(programme([p for p in ps if p.job.kind == kind]))

    before = kind_lufs(placements, SegmentKind.BODY) - kind_lufs(placements, SegmentKind.QUOTE)
    assert before > 10  # the test's premise: the quote really is much quieter
    plan = loudness_plan(placements)
    after = balanced(placements, plan)
    assert abs(kind_lufs(after, SegmentKind.BODY) - kind_lufs(after, SegmentKind.QUOTE)) < 1.0
    assert max(plan.kind_gains_db.values()) == 0.0  # cuts only: the 16-bit stream never clips


def test_the_programme_gain_reaches_the_target_in_ffmpeg(tmp_path, fake_engine):
    placements, timeline = placed(tmp_path, fake_engine)
    for channels, target in [(1, -19.0), (2, -16.0), (1, -23.0)]:
        plan = loudness_plan(placements, channels, target if target == -23.0 else None)
        assert plan.target_lufs == target
        out = tmp_path / f"out{channels}{target}.wav"
        encode.encode_audio(
            pcm_chunks(balanced(placements, plan)), RATE, out, encode.Tags("t"), timeline.chapters,
            EncodeSettings(channels=channels), formats.WAV, plan.filters(RATE, formats.WAV.limiter_ceiling_dbtp),
        )  # fmt: skip
        integrated, _ = ebur128(out)
        assert integrated == pytest.approx(target, abs=0.5)


def test_the_limiter_is_used_only_when_peaks_would_pass_the_ceiling():
    calm = LoudnessPlan(-19.0, -25.0, 6.0, -6.0, {})
    hot = replace(calm, true_peak_dbtp=0.5)
    assert calm.filters(RATE) == ["volume=6.000dB:precision=double"]
    # The limiter applies the gain itself (level_in, linear).
    assert hot.filters(RATE, -2.0) == [
        "alimiter=level_in=1.9952623149688795:limit=0.79433:attack=1:release=50:level=0:latency=1"  # -2 dB
    ]
    # Samples are held lower by the overshoot measured between them.
    assert ":limit=0.74989:" in replace(hot, overshoot_db=0.5).filters(RATE, -2.0)[-1]
    assert replace(calm, gain_db=0.0).filters(RATE) == []
    # Beyond the limiter's input range (±36 dB), the volume filter applies the gain.
    assert [f.split("=")[0] for f in replace(hot, gain_db=40.0).filters(RATE)] == ["volume", "alimiter"]


def test_the_limiter_applying_the_gain_gives_the_same_audio_as_a_volume_filter_before_it(tmp_path):
    rate = 22_050
    t = np.arange(3 * rate)
    speech = (0.4 * np.sin(2 * np.pi * 220 * t / rate) * np.sin(2 * np.pi * t / rate) ** 4 * 32767).astype("<i2")
    source = tmp_path / "in.raw"
    source.write_bytes(speech.tobytes())
    hot = LoudnessPlan(-19.0, -25.0, 9.5, 1.0, {})

    def limited(filters: list[str]) -> np.ndarray:
        run = subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", str(source),
             "-af", ",".join(filters), "-f", "f64le", "-"],
            capture_output=True, check=True,
        )  # fmt: skip
        return np.frombuffer(run.stdout, "<f8")

    merged = hot.filters(rate)
    assert len(merged) == 1 and "level_in=" in merged[0]
    separate = ["volume=9.500dB:precision=double", "alimiter=" + merged[0].split(":", 1)[1]]
    ours, theirs = limited(merged), limited(separate)
    assert len(ours) == len(theirs) == len(speech)
    assert np.max(np.abs(ours - theirs)) < 1e-12
    assert np.max(np.abs(speech)) / 32768 * 10 ** (9.5 / 20) > 1.1  # peaks the limiter must hold
    assert np.max(np.abs(ours)) < 10 ** (-2 / 20) + 1e-3


@pytest.mark.parametrize("text, expected", [("-16", -16.0), ("16", -16.0), ("-23.5 LUFS", -23.5), ("off", None)])
def test_loudness_option_values(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["loud", "-70", "0", ""])
def test_bad_loudness_values_say_what_to_give(text):
    with pytest.raises(InputError, match="LUFS"):
        parse_target(text)


def test_loudness_off_leaves_the_level_alone(tmp_path, fake_engine):
    on, off = tmp_path / "on.wav", tmp_path / "off.wav"
    convert(ARTICLE, on, Options(engine=fake_engine))
    result = convert(ARTICLE, off, Options(engine=fake_engine, normalize=False))
    assert result.loudness is None
    # The fake engine's tones peak at 12000/32768; untouched, they still do.
    assert np.abs(decode(off)).max() == pytest.approx(12000 / 32768, abs=0.01)
    assert ebur128(on)[0] == pytest.approx(-19.0, abs=0.5)


@pytest.mark.engine
@pytest.mark.parametrize(
    "name, channels, target",
    [("mono.mp3", 1, -19.0), ("stereo.mp3", 2, -16.0), ("book.m4b", 1, -19.0), ("talk.opus", 2, -16.0)],
)
def test_real_render_meets_the_podcast_target_and_true_peak(tmp_path, name, channels, target):
    output = tmp_path / name
    result = convert(ARTICLE, output, Options(workers=1, mp3=EncodeSettings(channels=channels)))
    integrated, peak = ebur128(output)
    assert integrated == pytest.approx(target, abs=1.0)
    assert peak <= -1.0
    assert result.loudness.target_lufs == target


@pytest.mark.engine
def test_real_voices_body_quote_and_headline_are_within_2_lu(tmp_path):
    output = tmp_path / "out.wav"
    result = convert(ARTICLE, output, Options(workers=1))
    samples = decode(output)
    meter = pyloudnorm.Meter(RATE)
    by_kind: dict[SegmentKind, list[np.ndarray]] = {}
    for segment in result.timeline.segments:
        piece = samples[segment.start_ms * RATE // 1000 : segment.end_ms * RATE // 1000]
        by_kind.setdefault(segment.kind, []).append(piece)
    levels = {
        kind: meter.integrated_loudness(np.concatenate(pieces))
        for kind, pieces in by_kind.items()
        if kind in (SegmentKind.HEADLINE, SegmentKind.BODY, SegmentKind.QUOTE)
    }
    assert set(levels) == {SegmentKind.HEADLINE, SegmentKind.BODY, SegmentKind.QUOTE}
    assert max(levels.values()) - min(levels.values()) <= 2.0, levels
