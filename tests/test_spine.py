"""The one spine: one planner for every command, settings split by meaning, formats that
own their file name and MIME type all the way to the feed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import feedparser
import pytest

from audio_articles.convert import Options, convert
from audio_articles.inspect import inspect_file
from audio_articles.settings import Production, Runtime
from audio_articles.speech.render import SpeechPool
from audio_articles.speech.voices import load_profile

from audio_articles.feed import build_feed
from audio_articles.feed.settings import SettingsChange

from .feed_helpers import BASE_URL, write_articles


def build(sources, feed: Path, options: Options | None = None):
    change = SettingsChange(title="Harbour News", base_url=BASE_URL)
    return build_feed(sources, feed, change, options or Options(engine="fake", workers=1))

ROOT = Path(__file__).parent.parent
ARTICLE = ROOT / "samples" / "tidal-power-pilot.md"
PROFILES = sorted((ROOT / "voices").glob("*.toml"))


def framed(tmp_path: Path, base: Path) -> Path:
    """``base`` with a spoken intro and outro added."""
    path = tmp_path / f"framed-{base.name}"
    path.write_text('intro = true\noutro = "Thanks for listening to {title}."\n' + base.read_text(), encoding="utf-8")
    return path


def planned_segments(report: dict) -> list[tuple[int, str, str]]:
    return [(line["index"], line["kind"], line["voice"]) for section in report["sections"] for line in section["segments"]]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("with_framing", [False, True], ids=["plain", "intro-outro"])
def test_inspect_lists_exactly_what_convert_speaks(tmp_path, fake_engine, profile, with_framing):
    path = framed(tmp_path, profile) if with_framing else profile
    options = Options(voices=str(path), engine=fake_engine, workers=1, cache_dir=tmp_path / "cache")
    report = inspect_file(ARTICLE, options).as_json()
    result = convert(ARTICLE, tmp_path / "a.mp3", options)
    spoken = [(s.index, s.kind.value, s.voice) for s in result.timeline.segments]
    assert planned_segments(report) == spoken
    if all("/" in voice for _, _, voice in spoken):  # espeak-ng voice ids: the run's (fake) engine speaks them
        assert [line["spoken"] for section in report["sections"] for line in section["segments"]] == [
            call.text for call in fake_engine.calls
        ]
    if with_framing:
        assert spoken[0][0] == 0 and spoken[-1][1] == "notice"  # intro first, outro last


def test_options_route_each_setting_to_its_half():
    options = Options(voices="newsroom", workers=3)
    assert options.production.voices == "newsroom" and options.runtime.workers == 3
    options.use_cache = False
    assert options.runtime.use_cache is False and options.use_cache is False
    assert options.replace(rate=150).production.rate == 150 and options.production.rate is None
    with pytest.raises(TypeError, match="unknown settings: colour"):
        Options(colour="red")


def test_the_signature_follows_what_the_file_is_not_how_the_run_goes(tmp_path):
    profile = load_profile(None)
    base = Production(voices="default")
    assert base.signature(profile) == Production(voices="default").signature(profile)
    # Runtime settings live elsewhere, so a shared pool or more cores cannot change it.
    assert Options(base, Runtime(workers=1)).production.signature(profile) == base.signature(profile)
    assert Production(voices="default", rate=150).signature(profile) != base.signature(profile)
    cover = tmp_path / "cover.png"
    cover.write_bytes(b"one")
    first = Production(cover=cover).signature(profile)
    cover.write_bytes(b"two!")  # same path, new content
    assert Production(cover=cover).signature(profile) != first


def test_a_shared_pool_does_not_re_render_a_feed(tmp_path):
    feed = tmp_path / "feed"
    articles = write_articles(tmp_path / "articles")
    build([articles], feed)
    with SpeechPool("fake", 1) as pool:
        again = build([articles], feed, Options(engine="fake", workers=1, pool=pool))
    assert again.rendered == ()


def ffprobe(path: Path) -> dict:
    run = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_chapters", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(run.stdout)


@pytest.mark.parametrize("name, suffix, muxer, mime", [("m4b", ".m4b", "mov,mp4", "audio/mp4"), ("mp3", ".mp3", "mp3", "audio/mpeg")])
def test_a_feed_of_episodes_in_each_format(tmp_path, name, suffix, muxer, mime):
    feed = tmp_path / "feed"
    result = build([write_articles(tmp_path / "articles")], feed, Options(engine="fake", workers=1, format=name))
    parsed = feedparser.parse((feed / "feed.xml").read_bytes())
    assert len(parsed.entries) == 3
    for entry, episode in zip(parsed.entries, result.episodes):
        enclosure = entry.enclosures[0]
        assert enclosure.href.endswith(suffix) and enclosure.type == mime
        audio = feed / "episodes" / episode.audio_name
        probed = ffprobe(audio)
        assert probed["format"]["format_name"].startswith(muxer)
        assert int(enclosure.length) == audio.stat().st_size
        assert len(probed["chapters"]) == len(episode.chapters)
    assert all(path.suffix in (suffix, ".json", ".vtt") for path in (feed / "episodes").iterdir())


def test_changing_the_format_replaces_the_episode_files(tmp_path):
    feed = tmp_path / "feed"
    articles = write_articles(tmp_path / "articles")
    build([articles], feed)
    again = build([articles], feed, Options(engine="fake", workers=1, format="m4b"))
    assert len(again.rendered) == 3
    names = sorted(path.suffix for path in (feed / "episodes").iterdir())
    assert ".mp3" not in names and names.count(".m4b") == 3
