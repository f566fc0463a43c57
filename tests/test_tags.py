"""Tags and cover art, written once by ``ffmetadata`` and read back with mutagen and ffprobe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mutagen
import pytest
from mutagen.id3 import ID3, PictureType
from mutagen.mp4 import MP4, MP4Cover

from audio_articles.audio.encode import EncodeSettings, ffmetadata
from audio_articles.convert import Options, convert
from audio_articles.errors import InputError
from audio_articles.model import Chapter, Tags

from .audio_checks import ffprobe_format

ARTICLE = Path(__file__).parent.parent / "samples" / "tidal-power-pilot.md"
"""Has a title, an author and a date in its front matter."""


@pytest.fixture(scope="module")
def cover(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cover") / "cover.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=navy:s=300x300", "-frames:v", "1", str(path)],
        check=True,
    )  # fmt: skip
    return path


def render(tmp_path, fake_engine, name, cover=None, **settings):
    output = tmp_path / name
    options = Options(engine=fake_engine, cover=cover, album="Island Notes", genre="Podcast", mp3=EncodeSettings(**settings))
    return convert(ARTICLE, output, options), output


@pytest.mark.parametrize("version", [3, 4])
def test_mp3_tags_read_back_with_mutagen(tmp_path, fake_engine, cover, version):
    result, output = render(tmp_path, fake_engine, "a.mp3", cover, id3v2_version=version)
    tags = ID3(output)
    assert tags.version[:2] == (2, version)
    assert str(tags["TIT2"]) == "A Small Tidal Turbine Powers an Island Village"
    assert str(tags["TPE1"]) == "Ines Calder"
    assert str(tags["TALB"]) == "Island Notes"
    assert str(tags["TDRC"]) == "2026-03-14"  # mutagen reads v2.3's TYER/TDAT as TDRC too
    assert int(str(tags["TLEN"])) == result.timeline.duration_ms
    comment = tags.getall("COMM")[0]  # a real comment frame, which players show
    assert comment.text[0].startswith("The island of Skarra") and comment.lang == "eng"
    assert "TXXX:comment" not in tags
    assert str(tags["TLAN"]) == "eng"  # ISO 639-2
    assert str(tags["TCON"]) == "Podcast"
    assert tags.getall("CHAP") and tags.getall("CTOC")  # rewriting the tag kept the chapters
    picture = tags.getall("APIC")[0]
    assert picture.type == PictureType.COVER_FRONT
    assert picture.mime == "image/png"
    assert picture.data == cover.read_bytes()


def test_mp3_tags_read_back_with_ffprobe(tmp_path, fake_engine, cover):
    _, output = render(tmp_path, fake_engine, "a.mp3", cover)
    info = ffprobe_format(output)
    tags = info["tags"]
    assert tags["title"] == "A Small Tidal Turbine Powers an Island Village"
    assert tags["artist"] == "Ines Calder"
    assert tags["album"] == "Island Notes"
    assert tags["date"] == "2026-03-14"
    assert tags["comment"].startswith("The island of Skarra")
    streams = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:stream_disposition=attached_pic",
         "-of", "csv=p=0", str(output)],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert "video,1" in streams  # the cover is an attached picture, not a video track


def test_m4b_tags_and_cover_read_back_with_mutagen(tmp_path, fake_engine, cover):
    _, output = render(tmp_path, fake_engine, "a.m4b", cover)
    tags = MP4(output).tags
    assert tags["©nam"] == ["A Small Tidal Turbine Powers an Island Village"]
    assert tags["©ART"] == ["Ines Calder"]
    assert tags["©alb"] == ["Island Notes"]
    assert tags["©day"] == ["2026-03-14"]
    assert tags["desc"][0].startswith("The island of Skarra")
    art = tags["covr"][0]
    assert art.imageformat == MP4Cover.FORMAT_PNG
    assert bytes(art) == cover.read_bytes()


def test_opus_comments_read_back_with_mutagen(tmp_path, fake_engine):
    result, output = render(tmp_path, fake_engine, "a.opus")
    tags = mutagen.File(output).tags
    assert tags["title"] == ["A Small Tidal Turbine Powers an Island Village"]
    assert tags["artist"] == ["Ines Calder"]
    assert tags["album"] == ["Island Notes"]
    assert tags["CHAPTER001NAME"] == [result.timeline.chapters[1].title]


def test_a_cover_that_is_not_an_image_is_refused_before_any_speech(tmp_path, fake_engine):
    bogus = tmp_path / "cover.jpg"
    bogus.write_text("not a picture")
    with pytest.raises(InputError, match="not a JPEG or PNG"):
        convert(ARTICLE, tmp_path / "a.mp3", Options(engine=fake_engine, cover=bogus))
    assert fake_engine.calls == []


def test_cli_cover_option(tmp_path, cover):
    output = tmp_path / "a.mp3"
    run = subprocess.run(
        [sys.executable, "-m", "audio_articles", "convert", str(ARTICLE), "-o", str(output), "--engine", "fake",
         "--cover", str(cover)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert ID3(output).getall("APIC")[0].data == cover.read_bytes()
    missing = subprocess.run(
        [sys.executable, "-m", "audio_articles", "convert", str(ARTICLE), "-o", str(tmp_path / "b.mp3"),
         "--engine", "fake", "--cover", str(tmp_path / "none.png")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "none.png" in missing.stderr


def test_ffmetadata_escapes_and_orders_chapters():
    text = ffmetadata(Tags("A = B; #1", artist="X\\Y"), [Chapter("One", 0, 1500), Chapter("Two", 1500, 3000)])
    assert "title=A \\= B\\; \\#1" in text
    assert "artist=X\\\\Y" in text
    assert text.index("title=One") < text.index("title=Two")
    assert "START=1500" in text and "END=3000" in text


def test_a_page_read_from_the_web_carries_its_address(tmp_path, fake_engine):
    from dataclasses import replace

    from audio_articles.convert import render_article, speech_profile
    from audio_articles.sources import load_article

    article = replace(load_article(ARTICLE), url="https://example.org/news/tidal-power")
    output = tmp_path / "a.mp3"
    render_article(article, output, speech_profile(ARTICLE, Options().production), Options(engine=fake_engine))
    tags = ID3(output)
    assert tags.getall("WOAS")[0].url == "https://example.org/news/tidal-power"
    assert str(tags["TDRC"]) == "2026-03-14"


def test_an_article_without_a_date_is_dated_by_its_file(tmp_path):
    import os
    from datetime import datetime, timezone

    from audio_articles.sources import load_article

    undated = tmp_path / "notes.txt"
    undated.write_text("A Title\n\nSome words to say.\n", encoding="utf-8")
    moment = datetime(2025, 7, 1, 12, 0, tzinfo=timezone.utc).timestamp()
    os.utime(undated, (moment, moment))
    assert load_article(undated).date == "2025-07-01T12:00:00+00:00"
    jekyll = tmp_path / "2014-11-17-a-title.md"
    jekyll.write_text("# A Title\n\nSome words to say.\n", encoding="utf-8")
    assert load_article(jekyll).date == "2014-11-17"
