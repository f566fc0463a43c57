"""`audio-articles feed` as a user meets it: exit codes, one-line errors, stdout/stderr."""

from __future__ import annotations

import subprocess
import sys

import podcastparser
import pytest

from .feed_helpers import BASE_URL, write_articles


def feed_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "audio_articles", "feed", *args, "--engine", "fake", "-j", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def assert_one_line_error(run: subprocess.CompletedProcess, code: int, words: str) -> None:
    assert run.returncode == code, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audio-articles: error: "), run.stderr
    assert words in lines[0] and "Traceback" not in run.stderr and run.stdout == ""


def test_first_run_then_a_run_with_saved_settings(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    first = feed_cli(str(articles), "-o", str(feed_dir), "--title", "Harbour & Co", "--base-url", BASE_URL,
                     "--explicit", "--category", "News > Daily News")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert first.stdout == BASE_URL + "/feed.xml\n"
    assert "3 episodes (3 rendered)" in first.stderr
    podcast = podcastparser.parse(BASE_URL, (feed_dir / "feed.xml").open("rb"))
    assert podcast["title"] == "Harbour & Co" and podcast["explicit"] is True
    assert podcast["itunes_categories"] == [["News", "Daily News"]]

    again = feed_cli(str(articles), "-o", str(feed_dir))
    assert again.returncode == 0, again.stderr
    assert "3 episodes (0 rendered)" in again.stderr

    (articles / "ferry.txt").unlink()
    kept = feed_cli(str(articles), "-o", str(feed_dir), "--no-explicit")
    assert "1 kept without their article (--prune removes them)" in kept.stderr
    pruned = feed_cli(str(articles), "-o", str(feed_dir), "--prune")
    assert "2 episodes (0 rendered, 1 removed)" in pruned.stderr
    podcast = podcastparser.parse(BASE_URL, (feed_dir / "feed.xml").open("rb"))
    assert podcast["explicit"] is False and len(podcast["episodes"]) == 2


@pytest.mark.parametrize(
    "args, code, words",
    [
        ([], 2, "a new feed needs --title and --base-url"),
        (["--title", "T", "--base-url", "ftp://example.org"], 2, "is not an http(s) URL"),
        (["--title", "T", "--base-url", BASE_URL, "--image", "{articles}/ferry.txt"], 2, "is not a PNG or JPEG"),
        (["--title", "T", "--base-url", BASE_URL, "--voices", "no-such-profile"], 2, "no-such-profile"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, code, words):
    articles = write_articles(tmp_path / "articles")
    run = feed_cli(str(articles), "-o", str(tmp_path / "feed"), *[a.format(articles=articles) for a in args])
    assert_one_line_error(run, code, words)
    assert not (tmp_path / "feed").exists()


def test_unwritable_feed_folder(tmp_path):
    articles = write_articles(tmp_path / "articles")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    run = feed_cli(str(articles), "-o", str(blocker / "feed"), "--title", "T", "--base-url", BASE_URL)
    assert_one_line_error(run, 4, "cannot create")


def test_help_lists_the_options():
    run = subprocess.run([sys.executable, "-m", "audio_articles", "feed", "--help"], capture_output=True, text=True)
    assert run.returncode == 0
    for option in ("--title", "--base-url", "--author", "--image", "--explicit", "--prune", "--voices"):
        assert option in run.stdout


def test_a_cover_deleted_from_the_feed_folder_is_a_clear_error(tmp_path):
    from audio_articles.feed.cover import title_cover_png

    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    image = tmp_path / "mine.png"
    image.write_bytes(title_cover_png("Mine"))
    first = feed_cli(str(articles), "-o", str(feed_dir), "--title", "T", "--base-url", BASE_URL, "--image", str(image))
    assert first.returncode == 0, first.stderr
    feed_xml = (feed_dir / "feed.xml").read_bytes()
    covers = [p for p in feed_dir.iterdir() if p.suffix in (".png", ".jpg")]
    assert len(covers) == 1
    covers[0].unlink()
    run = feed_cli(str(articles), "-o", str(feed_dir))
    assert_one_line_error(run, 2, "is missing; give it again with --image")
    assert (feed_dir / "feed.xml").read_bytes() == feed_xml


def test_a_deleted_title_cover_is_drawn_again(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    assert feed_cli(str(articles), "-o", str(feed_dir), "--title", "T", "--base-url", BASE_URL).returncode == 0
    drawn = (feed_dir / "title-cover.png").read_bytes()
    (feed_dir / "title-cover.png").unlink()
    run = feed_cli(str(articles), "-o", str(feed_dir))
    assert run.returncode == 0, run.stderr
    assert (feed_dir / "title-cover.png").read_bytes() == drawn
