"""Issue 25's shell habits: config.toml, --version, -v anywhere, usage lines, plurals."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mutagen.mp3 import MP3
from typer.testing import CliRunner

from audio_articles.cli import app

from .feed_helpers import BASE_URL, write_articles

SHORT = "A Short Note\n\nOne paragraph, said once.\n"


def run(*args: str):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def config(text: str) -> Path:
    path = Path(os.environ["AUDIO_ARTICLES_CONFIG"]) / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_feed_obeys_config_and_the_command_line_wins(tmp_path):
    from mutagen.mp4 import MP4

    config('[feed]\nbitrate = 32\nengine = "fake"\njobs = 1\nowner-email = "me@example.org"\n')
    articles = write_articles(tmp_path / "articles")
    built = run("feed", articles, "-o", tmp_path / "feed", "--title", "T", "--base-url", BASE_URL)
    assert built.exit_code == 0, built.output
    episodes = sorted((tmp_path / "feed" / "episodes").glob("*.mp3"))
    assert episodes and {round(MP3(path).info.bitrate, -3) for path in episodes} == {32_000}
    assert "<itunes:email>me@example.org</itunes:email>" in (tmp_path / "feed" / "feed.xml").read_text("utf-8")
    again = run("feed", articles, "-o", tmp_path / "feed2", "--title", "T", "--base-url", BASE_URL, "--bitrate", "48")
    assert again.exit_code == 0, again.output
    episodes = sorted((tmp_path / "feed2" / "episodes").glob("*.mp3"))
    assert {round(MP3(path).info.bitrate, -3) for path in episodes} == {48_000}  # the command line wins
    m4b = run("feed", articles, "-o", tmp_path / "feed3", "--title", "T", "--base-url", BASE_URL, "--format", "m4b")
    assert m4b.exit_code == 0, m4b.output
    xml = (tmp_path / "feed3" / "feed.xml").read_text("utf-8")
    assert xml.count('type="audio/mp4"') == 3 and xml.count(".m4b") == 3 and "audio/mpeg" not in xml
    assert "<itunes:owner>" in xml and "Mon, 04 May 2026 08:30:00 +0000" in xml  # dated by the article files
    assert all(MP4(path).tags["©gen"] == ["Podcast"] for path in (tmp_path / "feed3" / "episodes").glob("*.m4b"))


def test_config_command_shows_the_file_and_a_bad_file_is_one_line_exit_2():
    path = config('[convert]\nvoices = "natural"\nbitrate = 48\n')
    shown = run("config")
    assert shown.exit_code == 0 and str(path) in shown.output
    assert 'voices = "natural"' in shown.output and "bitrate = 48" in shown.output
    for text, words in [
        ("[feed]\nbitrate = 500\n", "bitrate = 500"),
        ("[feed]\nbitrat = 32\n", "did you mean 'bitrate'"),
        ("[convrt]\n", "[convrt] is not a command's table"),
        ("[feed\n", "not readable TOML"),
    ]:
        config(text)
        result = CliRunner().invoke(app, ["config"])
        assert result.exit_code == 2, (text, result.output)
        assert result.output.count("\n") == 1 and words in result.output and str(path) in result.output


def test_version_verbose_anywhere_usage_lines_and_plurals(tmp_path):
    from audio_articles import cli

    version = run("--version")
    assert version.exit_code == 0 and version.output.startswith("audio-articles ")
    article = tmp_path / "note.txt"
    article.write_text(SHORT, encoding="utf-8")
    converted = run("convert", article, "--engine", "fake", "-j", "1", "-v", "--chapters", "section")
    assert converted.exit_code == 0, converted.output
    assert "1 chapter " in converted.output  # not "1 chapters"
    assert logging.getLogger().level == logging.INFO  # -v after the command name: verbose
    usages = [run(*command, "--help").output for command in (["convert"], ["inspect"], ["serve"], ["preview"])]
    assert all("{" not in usage.splitlines()[1] for usage in usages if usage.strip())
    assert len(Path(cli.__file__).read_text(encoding="utf-8").splitlines()) <= 350
