"""Spoken intro and outro, and jingles, set in the voice profile."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from audio_articles.convert import Options, convert
from audio_articles.errors import InputError, ProfileError
from audio_articles.model import Article
from audio_articles.plan import framing_text
from audio_articles.speech.voices import load_profile

from .audio_checks import read_wav

ARTICLE = Path(__file__).parent.parent / "samples" / "tidal-power-pilot.md"
"""Title "A Small Tidal Turbine Powers an Island Village", author Ines Calder."""
TITLE = "A Small Tidal Turbine Powers an Island Village"


def profile_file(tmp_path: Path, top: str, tables: str = "") -> Path:
    """A profile with ``top`` level keys and then ``tables``."""
    path = tmp_path / "framed.toml"
    path.write_text(f'{top}\n[defaults]\nvoice = "gmw/en-us"\n{tables}\n', encoding="utf-8")
    return path


def tone(path: Path, seconds: float = 1.0) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=660:duration={seconds}:sample_rate=44100",
         "-ac", "2", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    "template, article, expected",
    [
        ("{title}{by_author}.", Article("Tides", (), author="Ines Calder"), "Tides, by Ines Calder."),
        ("{title}{by_author}.", Article("Tides", ()), "Tides."),
        ("From {date}: {title}", Article("Tides", (), date="2026-03-14"), "From 2026-03-14: Tides"),
    ],
)
def test_framing_text(template, article, expected):
    assert framing_text(template, article) == expected


def test_intro_and_outro_are_spoken_first_and_last_in_the_notice_voice(tmp_path, fake_engine):
    path = profile_file(tmp_path, 'intro = true\noutro = "Thanks for listening to {title}."', "[notice]\npitch = 30")
    result = convert(ARTICLE, tmp_path / "a.wav", Options(engine=fake_engine, profile=load_profile(path)))
    texts = [call.text for call in fake_engine.calls]
    assert texts[0].startswith(TITLE) and "Ines Calder" in texts[0]
    assert texts[-1].startswith("Thanks for listening to")
    assert fake_engine.calls[0].voice.pitch == 30  # the notice voice
    segments = result.timeline.segments
    assert [s.index for s in segments] == list(range(len(segments)))  # the article keeps its numbers 1…n
    assert result.timeline.chapters[0].start_ms == 0
    assert result.timeline.chapters[0].title == TITLE


def test_without_intro_nothing_is_added(tmp_path, fake_engine):
    result = convert(ARTICLE, tmp_path / "a.wav", Options(engine=fake_engine))
    assert result.timeline.segments[0].index == 1
    assert not fake_engine.calls[0].text.endswith("Ines Calder.")


def test_jingles_play_before_and_after_and_stay_out_of_the_transcript(tmp_path, fake_engine):
    tone(tmp_path / "in.wav", 1.0)
    tone(tmp_path / "out.mp3", 0.5)
    path = profile_file(tmp_path, 'intro_jingle = "in.wav"\noutro_jingle = "out.mp3"')
    output = tmp_path / "a.wav"
    result = convert(ARTICLE, output, Options(engine=fake_engine, profile=load_profile(path)))
    segments = result.timeline.segments
    assert all(segment.text for segment in segments)
    first, last = segments[0], segments[-1]
    # 1 s jingle, then the section pause (1.1 s), then the headline.
    assert 2.0 < first.start_ms / 1000 < 2.2
    assert result.timeline.duration_ms - last.end_ms > 1000
    samples, rate = read_wav(output)
    assert np.abs(samples[: rate // 2]).max() > 0.05  # the jingle is heard
    assert np.abs(samples[-rate // 4 :]).max() > 0.05


@pytest.mark.parametrize(
    "extra, words",
    [
        ('intro = "{titel}"', ["intro", "{title}"]),
        ("intro = 3", ["intro must be text"]),
        ('intro_jingle = "nowhere.wav"', ["intro_jingle", "not found"]),
    ],
)
def test_bad_framing_keys_are_profile_errors(tmp_path, extra, words):
    with pytest.raises(ProfileError) as error:
        load_profile(profile_file(tmp_path, extra))
    for word in words:
        assert word in str(error.value)


def test_a_jingle_that_is_not_audio_fails_clearly(tmp_path, fake_engine):
    (tmp_path / "in.wav").write_text("not audio")
    path = profile_file(tmp_path, 'intro_jingle = "in.wav"')
    with pytest.raises(InputError, match="jingle .*in.wav"):
        convert(ARTICLE, tmp_path / "a.mp3", Options(engine=fake_engine, profile=load_profile(path)))
    assert not (tmp_path / "a.mp3").exists()
