"""Preview: one paragraph, segment or section (or a line of text), voiced as the full
conversion voices it, written as WAV or MP3 and played with whatever player exists."""

from __future__ import annotations

import doctest
import os
import stat
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import pytest

from audio_articles import playback, preview as preview_module
from audio_articles.convert import Options, convert, load_article
from audio_articles.errors import InputError
from audio_articles.model import SegmentKind
from audio_articles.preview import Part, part_segment_indexes, preview, text_article
from audio_articles.speech.voices import load_profile

from .audio_checks import ffprobe_format, read_wav, rms_db

BIN = Path(sys.executable).parent

NEWS = """Council votes to extend the harbour

The city council voted on Tuesday to extend the harbour wall by two hundred metres.

"This is a good day for the fishing fleet," said the mayor, Anna Berg. Critics disagree.

Work will begin in the spring and is expected to last two years.
"""

SECTIONS = """# Tidal test begins in the bay

The first turbine was lowered into the water on Monday morning.

## How it works

Each turbine turns with the tide, twice a day. "It is as regular as a clock," said the engineer, Sam Okafor.

The power goes ashore through a single cable.

## What comes next

A second turbine follows in autumn.
"""


@pytest.fixture
def news(tmp_path) -> Path:
    path = tmp_path / "harbour.txt"
    path.write_text(NEWS, encoding="utf-8")
    return path


@pytest.fixture
def sections(tmp_path) -> Path:
    path = tmp_path / "tidal.md"
    path.write_text(SECTIONS, encoding="utf-8")
    return path


def test_doctests():
    assert doctest.testmod(preview_module).failed == 0


# -- choosing the part ------------------------------------------------------------


def test_paragraph_numbers_are_the_segments_paragraph_numbers(news):
    article = load_article(news)
    for number in {s.paragraph for s in article.segments()}:
        expected = [i for i, s in enumerate(article.segments(), start=1) if s.paragraph == number]
        assert part_segment_indexes(article, Part("paragraph", number)) == expected
    assert part_segment_indexes(article, Part("paragraph", 3)) == [3, 4]  # the quote and its attribution


def test_segment_and_section_numbers(sections):
    article = load_article(sections)
    assert part_segment_indexes(article, Part("segment", 5)) == [5]
    assert part_segment_indexes(article, Part("section", 1)) == [1, 2]
    assert part_segment_indexes(article, Part("section", 2)) == [3, 4, 5, 6, 7]
    assert part_segment_indexes(article, Part("section", 3)) == [8, 9]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (Part("paragraph", 9), "paragraph 9 is out of range; this article has paragraphs 1-4"),
        (Part("paragraph", 0), "paragraph 0 is out of range; this article has paragraphs 1-4"),
        (Part("segment", 6), "segment 6 is out of range; this article has segments 1-5"),
        (Part("section", 2), "section 2 is out of range; this article has sections 1-1"),
    ],
)
def test_a_number_out_of_range_names_the_valid_range(news, part, message):
    with pytest.raises(InputError) as caught:
        part_segment_indexes(load_article(news), part)
    assert str(caught.value) == message


def test_text_keeps_the_articles_language(sections):
    article = load_article(sections)
    spoken = text_article("  Okafor \n said so. ", SegmentKind.QUOTE, like=article)
    assert spoken.language == article.language
    assert [(s.kind, s.text) for s in spoken.segments()] == [(SegmentKind.QUOTE, "Okafor said so.")]
    with pytest.raises(InputError, match="--text is empty"):
        text_article("   ")


# -- rendering ----------------------------------------------------------------------


def test_preview_renders_only_that_paragraph_with_the_conversions_voices(news, tmp_path, fake_engine):
    from audio_articles.speech.engines.fake import FakeEngine

    converting = FakeEngine()
    convert(news, tmp_path / "all.mp3", Options(engine=converting, cache_dir=tmp_path / "other-cache"))
    output = tmp_path / "p3.wav"
    result = preview(news, Part("paragraph", 3), output=output, options=Options(engine=fake_engine))
    # Segments 3 and 4 (the quote and its attribution), exactly as the conversion sent them.
    assert fake_engine.calls == converting.calls[2:4]
    assert [job.kind for job in result.jobs] == [SegmentKind.QUOTE, SegmentKind.BODY]
    assert result.output == output and [job.index for job in result.jobs] == [3, 4]
    samples, rate = read_wav(output)
    assert abs(len(samples) / rate * 1000 - result.duration_ms) <= 1
    assert rms_db(samples) > -40  # there is sound in it, not silence
    assert ffprobe_format(output)["format_name"] == "wav"


def test_the_lexicon_and_voice_overrides_apply_as_in_a_conversion(news, tmp_path, fake_engine):
    (tmp_path / "lexicon.txt").write_text("Berg = Bairg\n", encoding="utf-8")  # beside the article
    options = Options(engine=fake_engine, rate=200)
    preview(news, Part("paragraph", 3), output=tmp_path / "p3.wav", options=options)
    assert "said the mayor, Anna Bairg." in fake_engine.calls[1].text
    assert fake_engine.calls[1].voice.rate == 200


def test_a_previewed_paragraph_is_not_rendered_again_by_the_conversion(news, tmp_path, fake_engine):
    preview(news, Part("paragraph", 3), output=tmp_path / "p3.wav", options=Options(engine=fake_engine))
    previewed = {call.text for call in fake_engine.calls}
    fake_engine.calls.clear()
    result = convert(news, tmp_path / "all.mp3", Options(engine=fake_engine))
    assert previewed.isdisjoint(call.text for call in fake_engine.calls)
    assert result.cached_clips == 2 and result.clips == 5


def test_a_second_preview_comes_from_the_cache(news, tmp_path, fake_engine):
    first = preview(news, Part("segment", 2), output=tmp_path / "a.wav", options=Options(engine=fake_engine))
    second = preview(news, Part("segment", 2), output=tmp_path / "b.wav", options=Options(engine=fake_engine))
    assert len(fake_engine.calls) == 1
    assert (first.cached_clips, second.cached_clips) == (0, 1)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


def test_a_section_keeps_its_paragraph_pauses(sections, tmp_path, fake_engine):
    result = preview(sections, Part("section", 2), output=tmp_path / "s2.wav", options=Options(engine=fake_engine))
    assert [call.text for call in fake_engine.calls] == [job.spoken for job in result.jobs]
    assert [job.index for job in result.jobs] == [3, 4, 5, 6, 7]
    timed = {segment.index: segment for segment in result.timeline.segments}
    within_paragraph = timed[5].start_ms - timed[4].end_ms  # quote inside paragraph 4
    between_paragraphs = timed[7].start_ms - timed[6].end_ms  # paragraph 4 -> 5
    assert between_paragraphs > within_paragraph
    assert between_paragraphs >= load_profile().paragraph_pause_ms - 50  # less the kept edge margins


def test_text_is_spoken_with_the_chosen_kinds_voice(tmp_path, fake_engine):
    result = preview(
        text="Anna Berg", kind=SegmentKind.QUOTE, output=tmp_path / "t.wav", options=Options(engine=fake_engine)
    )
    quote_voice = load_profile().settings(SegmentKind.QUOTE).voice
    assert [(c.text, c.voice) for c in fake_engine.calls] == [("Anna Berg", quote_voice)]
    assert result.what == "text"


def test_mp3_output(news, tmp_path, fake_engine):
    output = tmp_path / "p2.mp3"
    result = preview(news, Part("paragraph", 2), output=output, options=Options(engine=fake_engine))
    info = ffprobe_format(output)
    assert info["format_name"] == "mp3"
    assert float(info["duration"]) == pytest.approx(result.duration_ms / 1000, abs=0.1)


def lufs(path: Path) -> float:
    import pyloudnorm

    samples, rate = read_wav(path)
    return pyloudnorm.Meter(rate).integrated_loudness(samples)


def test_normalize_gives_the_conversions_loudness(news, tmp_path, fake_engine):
    quick = Options(engine=fake_engine, normalize=False)
    raw = preview(news, Part("paragraph", 2), output=tmp_path / "raw.wav", options=quick)
    levelled = preview(
        news, Part("paragraph", 2), output=tmp_path / "levelled.wav", options=Options(engine=fake_engine, normalize=True)
    )
    assert lufs(levelled.output) == pytest.approx(-19.0, abs=0.5)  # the mono target convert uses
    assert lufs(raw.output) > -15  # the engine's own level, much louder


def test_an_unknown_output_type_is_refused_before_rendering(news, tmp_path, fake_engine):
    with pytest.raises(InputError, match="cannot tell the format of 'p.xyz' from its extension"):
        preview(news, Part("paragraph", 2), output=tmp_path / "p.xyz", options=Options(engine=fake_engine))
    assert fake_engine.calls == [] and not (tmp_path / "p.xyz").exists()


def test_a_missing_output_folder_is_refused_before_rendering(news, tmp_path, fake_engine):
    from audio_articles.errors import OutputError

    with pytest.raises(OutputError, match="does not exist"):
        preview(news, Part("paragraph", 2), output=tmp_path / "no" / "p.wav", options=Options(engine=fake_engine))
    assert fake_engine.calls == []


def test_nothing_chosen_or_two_things_chosen(news, fake_engine):
    with pytest.raises(InputError, match="choose what to preview: --paragraph N"):
        preview(news, options=Options(engine=fake_engine))
    with pytest.raises(InputError, match="either paragraph 2 or --text, not both"):
        preview(news, Part("paragraph", 2), text="hello", options=Options(engine=fake_engine))
    with pytest.raises(InputError, match="--paragraph needs an article file"):
        preview(None, Part("paragraph", 2), options=Options(engine=fake_engine))
    with pytest.raises(InputError, match="one part at a time, not paragraph 1 and section 2"):
        preview_module.choose_part(paragraph=1, section=2)


def test_default_output_is_a_wav_in_the_temporary_folder(news, tmp_path, fake_engine, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = preview(news, Part("paragraph", 3), options=Options(engine=fake_engine))
    assert result.output.parent.parent == tmp_path
    assert result.output.name == "harbour-paragraph-3.wav"
    assert stat.S_IMODE(result.output.parent.stat().st_mode) == 0o700
    with wave.open(str(result.output)) as wav:
        assert wav.getnframes() > 0


# -- the command --------------------------------------------------------------------


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "audio-articles"), "preview", *args, "--engine", "fake"],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60,
    )  # fmt: skip


def test_command_prints_only_the_path_on_stdout(news, tmp_path):
    output = tmp_path / "p3.wav"
    done = run_cli(str(news), "--paragraph", "3", "-o", str(output), "--no-play")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{output}\n"
    assert "paragraph 3: 2 segments" in done.stderr and "(0 of 2 clips from cache)" in done.stderr
    assert output.stat().st_size > 1000


def test_command_sets_the_conversions_loudness_unless_told_not_to(news, tmp_path):
    levelled, raw = tmp_path / "levelled.wav", tmp_path / "raw.wav"
    assert run_cli(str(news), "--paragraph", "2", "-o", str(levelled), "--no-play").returncode == 0
    assert run_cli(str(news), "--paragraph", "2", "-o", str(raw), "--no-play", "--no-normalize").returncode == 0
    assert lufs(levelled) == pytest.approx(-19.0, abs=0.5)  # the mono target convert uses
    assert lufs(raw) > -15  # the engine's own level


def test_command_out_of_range_is_one_line_and_exit_2(news, tmp_path):
    output = tmp_path / "p.wav"
    done = run_cli(str(news), "--paragraph", "12", "-o", str(output), "--no-play")
    assert done.returncode == 2
    assert done.stderr == "audio-articles: error: paragraph 12 is out of range; this article has paragraphs 1-4\n"
    assert done.stdout == "" and not output.exists()


def test_command_plays_the_file_with_the_configured_player(news, tmp_path):
    record = tmp_path / "played.txt"
    player = tmp_path / "player.sh"
    player.write_text(f'#!/bin/sh\necho "$@" > "{record}"\n')
    player.chmod(0o755)
    output = tmp_path / "p2.wav"
    done = run_cli(str(news), "-p", "2", "-o", str(output), env={"AUDIO_ARTICLES_PLAYER": f"{player} --quiet"})
    assert done.returncode == 0, done.stderr
    assert record.read_text().split() == ["--quiet", str(output)]


# -- finding a player ---------------------------------------------------------------


def fake_program(folder: Path, name: str, script: str = "exit 0") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


def test_the_first_installed_player_that_plays_the_type_is_chosen(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    aplay = fake_program(bin_dir, "aplay")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv(playback.PLAYER_ENV, raising=False)
    assert playback.player_command(Path("x.wav")) == [str(aplay), "-q", "x.wav"]
    assert playback.player_command(Path("x.mp3")) is None  # aplay plays WAV only
    ffplay = fake_program(bin_dir, "ffplay")
    assert playback.player_command(Path("x.mp3"))[0] == str(ffplay)
    assert playback.player_command(Path("x.wav"))[0] == str(ffplay)


def test_no_player_is_a_note_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(playback.PLAYER_ENV, raising=False)
    result = playback.play(tmp_path / "x.wav")
    assert not result.played and "no audio player found (ffplay, paplay, aplay, afplay)" in result.problem


def test_a_player_that_finds_no_sound_card_is_reported(tmp_path, monkeypatch):
    # ffplay exits 0 even when it cannot open the audio device; it says so on stderr.
    fake_program(tmp_path / "bin", "ffplay", 'echo "No more combinations to try, audio open failed" >&2')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv(playback.PLAYER_ENV, raising=False)
    result = playback.play(tmp_path / "x.wav")
    assert (result.played, result.player) == (False, "ffplay")
    assert result.problem == "ffplay could not play it (No more combinations to try, audio open failed)"
    fake_program(tmp_path / "bin", "ffplay", "exit 0")
    assert playback.play(tmp_path / "x.wav").played


# -- the real engine ----------------------------------------------------------------


@pytest.mark.engine
def test_real_engine_preview_from_a_cold_process(news, tmp_path):
    output = tmp_path / "p2.wav"
    done = subprocess.run(
        [str(BIN / "audio-articles"), "preview", str(news), "--paragraph", "2", "-o", str(output), "--no-play"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(output)
    samples, rate = read_wav(output)
    assert rate == 22050
    # "The city council voted on Tuesday to extend the harbour wall by two hundred metres."
    assert 3.0 < len(samples) / rate < 8.0
    assert rms_db(samples) > -35
