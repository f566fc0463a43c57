"""Each clip's loudness measurement: taken as the clip is rendered, stored beside it, reused
from the cache, refused when it does not fit its clip, taken in a helper process with the
same result, and removed with its clip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from audio_articles.audio import levels, loudness
from audio_articles.audio.assemble import pcm_chunks, place_clips
from audio_articles.audio.levels import Measurer, levels_path, load_levels, save_levels
from audio_articles.audio.loudness import gated_loudness, measure, measure_clip, programme_energies
from audio_articles.convert import Options, convert, load_article
from audio_articles.errors import AudioError
from audio_articles.plan import chapter_marks, gaps_ms, plan_speech
from audio_articles.speech.cache import ClipCache
from audio_articles.speech.render import render_clips
from audio_articles.speech.voices import load_profile

from .test_cache import add_clip

ARTICLE = Path(__file__).parent / "articles" / "port-strike-talks.txt"


def same_levels(a, b) -> bool:
    return (
        a.bounds == b.bounds
        and (a.frames, a.sample_rate) == (b.frames, b.sample_rate)
        and np.array_equal(a.energies, b.energies)
        and (a.true_peak, a.sample_peak) == (b.true_peak, b.sample_peak)
    )


def rendered(tmp_path, engine, measurer=None):
    article = load_article(ARTICLE)
    profile = load_profile(None)
    jobs = plan_speech(article, profile)
    ready = measurer.start if measurer else None
    clips = render_clips(jobs, ClipCache(tmp_path / "clips"), engine, 1, ready=ready)
    if measurer:
        clips = measurer.finish(clips)
    return place_clips(jobs, clips, gaps_ms(article, jobs, profile), chapter_marks(article))[0]


def count_measurements(monkeypatch) -> list:
    calls = []
    real = levels.measure_clip

    def counting(clip):
        calls.append(clip.path)
        return real(clip)

    monkeypatch.setattr(levels, "measure_clip", counting)
    return calls


def test_a_conversion_stores_every_measurement_and_the_next_one_measures_nothing(tmp_path, fake_engine, monkeypatch):
    calls = count_measurements(monkeypatch)
    cache = tmp_path / "cache"
    first = convert(ARTICLE, tmp_path / "a.mp3", Options(engine=fake_engine, workers=1, cache_dir=cache))
    wavs = sorted(cache.glob("*/*.wav"))
    assert len(calls) == len(wavs) > 5
    assert all(path.with_suffix(".levels").is_file() for path in wavs)
    calls.clear()
    second = convert(ARTICLE, tmp_path / "b.mp3", Options(engine=fake_engine, workers=1, cache_dir=cache))
    assert calls == []
    assert second.cached_clips == second.clips
    assert second.loudness == first.loudness


def test_stored_levels_equal_a_fresh_measurement(tmp_path, fake_engine):
    path = add_clip(ClipCache(tmp_path), fake_engine, "A sentence to measure, and to measure again.")
    clip = ClipCache(tmp_path).get(path.stem)
    fresh = measure_clip(clip)
    save_levels(clip, fresh)
    assert same_levels(load_levels(clip), fresh)


@pytest.mark.parametrize("damage", ["other clip", "older format", "truncated", "not numpy"])
def test_a_stored_measurement_that_does_not_fit_is_taken_again(tmp_path, fake_engine, damage):
    path = add_clip(ClipCache(tmp_path), fake_engine, "Measured once, then the file goes wrong.")
    clip = ClipCache(tmp_path).get(path.stem)
    save_levels(clip, measure_clip(clip))
    stored = levels_path(clip)
    data = np.load(stored)
    if damage == "other clip":
        data[1] += 1  # frames
        np.save(stored.open("wb"), data)
    elif damage == "older format":
        data[0] = 0
        np.save(stored.open("wb"), data)
    elif damage == "truncated":
        stored.write_bytes(stored.read_bytes()[:-40])
    else:
        stored.write_text("levels", encoding="utf-8")
    assert load_levels(clip) is None
    measured = Measurer().finish([clip])[0].levels
    assert same_levels(measured, measure_clip(clip))
    assert same_levels(load_levels(clip), measured)  # stored again, in good order


@pytest.mark.parametrize("cut", [20, 2000])
def test_a_clip_damaged_after_rendering_is_a_clear_error(tmp_path, fake_engine, cut):
    path = add_clip(ClipCache(tmp_path), fake_engine, "This clip will be cut short.")
    clip = ClipCache(tmp_path).get(path.stem)
    path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(AudioError, match=f"clip {path.name} was damaged.*run again"):
        Measurer().finish([clip])


def test_placing_clip_measurements_gives_the_loudness_of_the_whole_programme(tmp_path, fake_engine):
    # Clips are measured on their own bins, then laid on the programme's: checked against
    # the same filter run over the whole programme's samples, with a quiet quote voice so
    # the kinds differ (pyloudnorm, whose filter differs at 22 kHz, agrees within 0.2 LU
    # in test_loudness.py).
    profile_quote = load_profile(None).with_voice("quote", volume=0.3)
    article = load_article(ARTICLE)
    jobs = plan_speech(article, profile_quote)
    clips = Measurer().finish(render_clips(jobs, ClipCache(tmp_path / "c"), fake_engine, 1))
    placements, _ = place_clips(jobs, clips, gaps_ms(article, jobs, profile_quote), chapter_marks(article))
    rate = placements[0].clip.sample_rate
    ours = gated_loudness(programme_energies(measure(placements)), loudness.bin_frames(rate))
    samples = np.frombuffer(b"".join(pcm_chunks(placements)), "<i2") / 32768.0
    whole = gated_loudness(loudness.weighted_energies(samples, rate), loudness.bin_frames(rate))
    assert ours == pytest.approx(whole, abs=0.02)


def test_levels_that_do_not_match_a_placement_are_not_used(tmp_path, fake_engine):
    placements = rendered(tmp_path, fake_engine, Measurer())
    first = placements[0]
    wrong = replace(first.clip.levels, keep_start=first.keep_start + 1)
    moved = replace(first, clip=replace(first.clip, levels=wrong))
    assert same_levels(measure([moved])[0].levels, measure_clip(first.clip))


def test_eviction_and_clear_remove_a_clips_measurement_with_it(tmp_path, fake_engine):
    path = add_clip(ClipCache(tmp_path), fake_engine, "Evicted with everything kept beside it.", age_s=10**6)
    Measurer().finish([ClipCache(tmp_path).get(path.stem)])
    assert path.with_suffix(".levels").is_file()
    assert ClipCache(tmp_path, max_bytes=1).trim(wait=True) == 1
    assert not path.exists() and not path.with_suffix(".levels").exists()
    other = add_clip(ClipCache(tmp_path), fake_engine, "Cleared with its measurement.")
    Measurer().finish([ClipCache(tmp_path).get(other.stem)])
    ClipCache(tmp_path).clear()
    assert list(tmp_path.rglob("*.levels")) == []
