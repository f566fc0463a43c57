"""Output formats chosen by extension or --format, read back with ffprobe and mutagen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mutagen
import pytest
from mutagen.mp4 import MP4

from audio_articles.audio.encode import EncodeSettings
from audio_articles.audio.formats import format_for
from audio_articles.convert import Options, convert
from audio_articles.errors import InputError

from .audio_checks import ffprobe_chapters, ffprobe_format

ARTICLE = Path(__file__).parent / "articles" / "port-strike-talks.txt"


@pytest.mark.parametrize(
    "name, codec, container, chapters",
    [
        ("a.mp3", "mp3", "mp3", True),
        ("a.m4b", "aac", "mov,mp4,m4a,3gp,3g2,mj2", True),
        ("a.m4a", "aac", "mov,mp4,m4a,3gp,3g2,mj2", True),
        ("a.wav", "pcm_s16le", "wav", False),
        ("a.opus", "opus", "ogg", True),
        ("a.ogg", "opus", "ogg", True),
    ],
)
def test_each_extension_gives_its_format_with_the_programmes_chapters(tmp_path, fake_engine, name, codec, container, chapters):
    output = tmp_path / name
    result = convert(ARTICLE, output, Options(engine=fake_engine))
    info = ffprobe_format(output)
    assert info["stream"]["codec_name"] == codec
    assert info["format_name"] == container
    assert float(info["duration"]) == pytest.approx(result.timeline.duration_ms / 1000, abs=0.1)
    listed = ffprobe_chapters(output)
    if chapters:
        expected = result.timeline.chapters
        assert [c["title"] for c in listed] == [c.title for c in expected]
        assert [c["start"] for c in listed] == pytest.approx([c.start_ms / 1000 for c in expected], abs=0.001)
    else:
        assert listed == []


def test_format_option_wins_over_the_extension(tmp_path, fake_engine):
    output = tmp_path / "book.audio"
    convert(ARTICLE, output, Options(engine=fake_engine, format="m4b"))
    assert ffprobe_format(output)["stream"]["codec_name"] == "aac"


def test_without_an_output_the_format_names_the_file(tmp_path, fake_engine):
    source = tmp_path / "story.txt"
    source.write_text(ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    result = convert(source, None, Options(engine=fake_engine, format="opus"))
    assert result.output == tmp_path / "story.opus"
    assert result.output.is_file()


def test_an_m4b_is_an_audiobook_that_mutagen_reads_with_its_chapters(tmp_path, fake_engine):
    output = tmp_path / "book.m4b"
    result = convert(ARTICLE, output, Options(engine=fake_engine))
    book = MP4(output)
    assert book.tags["©nam"] == [result.article.title]
    assert [c.title for c in book.chapters] == [c.title for c in result.timeline.chapters]
    assert [round(c.start * 1000) for c in book.chapters] == pytest.approx(
        [c.start_ms for c in result.timeline.chapters], abs=2
    )


@pytest.mark.parametrize(
    "name, channels, rate, want_rate",
    [("a.mp3", 2, 44100, 44100), ("a.mp3", 1, 0, 22050), ("a.m4b", 2, 44100, 44100), ("a.opus", 1, 0, 48000)],
)
def test_channels_and_sample_rate(tmp_path, fake_engine, name, channels, rate, want_rate):
    output = tmp_path / name
    convert(ARTICLE, output, Options(engine=fake_engine, mp3=EncodeSettings(channels=channels, sample_rate=rate)))
    stream = ffprobe_format(output)["stream"]
    assert stream["channels"] == channels
    assert int(stream["sample_rate"]) == want_rate


def test_mp3_bitrate_is_what_was_asked(tmp_path, fake_engine):
    output = tmp_path / "a.mp3"
    convert(ARTICLE, output, Options(engine=fake_engine, mp3=EncodeSettings(bitrate_kbps=96)))
    assert mutagen.File(output).info.bitrate == 96000


@pytest.mark.parametrize(
    "options, words",
    [
        (Options(format="flac"), ["unknown format", "mp3, m4b"]),
        (Options(mp3=EncodeSettings(sample_rate=12345)), ["12345", "44100"]),
    ],
)
def test_bad_format_choices_fail_before_any_speech(tmp_path, fake_engine, options, words):
    options.engine = fake_engine
    with pytest.raises(InputError) as error:
        convert(ARTICLE, tmp_path / "a.mp3", options)
    for word in words:
        assert word in str(error.value)
    assert fake_engine.calls == []
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_extension_says_how_to_choose():
    with pytest.raises(InputError, match="--format"):
        format_for(Path("out.flac"))


def test_cli_sound_options_reach_the_file(tmp_path):
    output = tmp_path / "talk.m4a"
    run = subprocess.run(
        [sys.executable, "-m", "audio_articles", "convert", str(ARTICLE), "-o", str(output), "--engine", "fake",
         "--stereo", "--sample-rate", "44100", "--loudness", "-18"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    stream = ffprobe_format(output)["stream"]
    assert (stream["codec_name"], stream["channels"], stream["sample_rate"]) == ("aac", 2, "44100")


@pytest.mark.parametrize(
    "args, words",
    [(["--format", "flac"], ["unknown format"]), (["--loudness", "loud"], ["--loudness", "LUFS"]),
     (["--sample-rate", "1000"], ["sample rate"])],
)  # fmt: skip
def test_cli_bad_sound_options_give_one_line_and_exit_2(tmp_path, args, words):
    output = tmp_path / "a.mp3"
    run = subprocess.run(
        [sys.executable, "-m", "audio_articles", "convert", str(ARTICLE), "-o", str(output), "--engine", "fake", *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audio-articles: error: "), run.stderr
    for word in words:
        assert word in lines[0]
    assert not output.exists()


@pytest.mark.parametrize("name", ["a.m4b", "a.wav"])
def test_encoding_in_one_piece_reports_its_progress(tmp_path, fake_engine, name):
    # Formats encoded by one ffmpeg (an hour of M4B on one core takes over a minute) show
    # an "Encoding" bar as well, in milliseconds of the programme, as the parallel path does.
    reported: list[tuple[str, int, int]] = []
    one_piece = Options(engine=fake_engine, workers=1)  # (with more, an M4B is encoded in parts)
    result = convert(ARTICLE, tmp_path / name, one_piece, lambda *args: reported.append(args))
    stages = [stage for stage, _, _ in reported]
    assert stages[0] == "speech" and stages[-1] == "encode"
    assert stages.index("encode") > max(n for n, stage in enumerate(stages) if stage == "speech")
    encoding = [(done, total) for stage, done, total in reported if stage == "encode"]
    assert len(encoding) > 2
    assert all(total == pytest.approx(result.timeline.duration_ms, abs=5) for _, total in encoding)
    assert [done for done, _ in encoding] == sorted(done for done, _ in encoding)
    assert encoding[-1][0] == encoding[-1][1]
