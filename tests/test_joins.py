"""Clean joins: the engine's silence trimmed, pauses exactly as the profile asks, no clicks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_articles.audio.assemble import SILENCE_THRESHOLD, pcm_chunks, place_clips
from audio_articles.convert import Options, convert, load_article
from audio_articles.plan import chapter_marks, gaps_ms, plan_speech
from audio_articles.speech.cache import ClipCache
from audio_articles.speech.engines.fake import FakeEngine
from audio_articles.speech.render import render_clips
from audio_articles.speech.voices import load_profile

from .audio_checks import read_wav

ARTICLE = Path(__file__).parent / "articles" / "port-strike-talks.txt"
RATE = 22050
THRESHOLD = SILENCE_THRESHOLD / 32768
CLICK = 0.01
"""Largest sample step allowed where a clip meets silence (−40 dBFS; a cut mid-wave in
speech is ten times that)."""


def placed(tmp_path, engine):
    article = load_article(ARTICLE)
    profile = load_profile(None)
    jobs = plan_speech(article, profile)
    clips = render_clips(jobs, ClipCache(tmp_path / "clips"), engine, 1)
    gaps = gaps_ms(article, jobs, profile)
    placements, timeline = place_clips(jobs, clips, gaps, chapter_marks(article))
    return placements, timeline, gaps, clips


def silence_around(samples: np.ndarray, frame: int, threshold: float = THRESHOLD) -> tuple[int, int]:
    """The run of quiet samples (below ``threshold``) that contains ``frame``."""
    loud = np.abs(samples) > threshold
    start = frame
    while start > 0 and not loud[start - 1]:
        start -= 1
    end = frame
    while end < len(samples) and not loud[end]:
        end += 1
    return start, end


def steps_near(samples: np.ndarray, frame: int, width: int = 2) -> float:
    """Largest sample-to-sample step within ``width`` frames of ``frame`` (a join)."""
    window = samples[max(0, frame - width) : frame + width]
    return float(np.abs(np.diff(window)).max()) if len(window) > 1 else 0.0


def test_the_silence_between_clips_is_exactly_the_pause_asked_for(tmp_path, fake_engine):
    placements, _, gaps, _ = placed(tmp_path, fake_engine)
    samples = np.frombuffer(b"".join(pcm_chunks(placements)), dtype="<i2") / 32768
    for placement, gap in zip(placements[:-1], gaps):
        middle = placement.end_frame + placement.gap_after // 2
        start, end = silence_around(samples, middle)
        assert (end - start) * 1000 / RATE == pytest.approx(gap, abs=2), placement.job.index


def test_the_engines_own_silence_is_trimmed(tmp_path):
    engine = FakeEngine(lead_ms=300, tail_ms=700)
    placements, timeline, gaps, _ = placed(tmp_path, engine)
    samples = np.frombuffer(b"".join(pcm_chunks(placements)), dtype="<i2") / 32768
    first_sound = int(np.flatnonzero(np.abs(samples) > THRESHOLD)[0])
    assert first_sound * 1000 / RATE < 20  # not the engine's 300 ms
    clip_total = sum(clip.duration_ms for clip in placed(tmp_path, engine)[3])
    # Without trimming the programme would be a second per clip longer.
    assert timeline.duration_ms < clip_total + sum(gaps) - 0.9 * len(placements) * 1000


def test_a_clip_cut_mid_wave_still_joins_without_a_click(tmp_path):
    # No lead or tail: the tone stops at whatever point of its wave the text ends.
    engine = FakeEngine(lead_ms=0, tail_ms=0)
    placements, _, _, clips = placed(tmp_path, engine)
    raw_ends = [abs(read_wav(clip.path)[0][-1]) for clip in clips]
    assert max(raw_ends) > 10 * CLICK  # the premise: joined raw, these would click
    samples = np.frombuffer(b"".join(pcm_chunks(placements)), dtype="<i2") / 32768
    for p in placements:
        assert steps_near(samples, p.start_frame) < CLICK, p.job.index
        assert steps_near(samples, p.end_frame) < CLICK, p.job.index


@pytest.mark.engine
def test_real_speech_pauses_match_the_profile_within_20_ms(tmp_path):
    output = tmp_path / "out.wav"
    result = convert(ARTICLE, output, Options(workers=1, normalize=False))
    samples, rate = read_wav(output)
    article, profile = result.article, load_profile(None)
    gaps = gaps_ms(article, plan_speech(article, profile), profile)
    segments = result.timeline.segments
    for before, after, gap in zip(segments, segments[1:], gaps):
        middle = (before.end_ms + after.start_ms) // 2 * rate // 1000
        start, end = silence_around(samples, middle)
        measured = (end - start) * 1000 / rate
        assert measured == pytest.approx(gap, abs=20), (before.index, measured, gap)


@pytest.mark.engine
def test_real_speech_joins_have_no_click_after_loudness_and_limiting(tmp_path):
    output = tmp_path / "out.wav"
    result = convert(ARTICLE, output, Options(workers=1))
    samples, rate = read_wav(output)
    for segment in result.timeline.segments:
        for ms in (segment.start_ms, segment.end_ms):
            # The timeline is in whole milliseconds: look 1 ms either side of the join.
            assert steps_near(samples, ms * rate // 1000, rate // 1000) < CLICK, (segment.index, ms)
