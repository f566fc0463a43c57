"""The feed folder, read back by real podcast clients' parsers (feedparser, podcastparser),
mutagen and webvtt-py; incremental runs, pruning, escaping, locking and bad input."""

from __future__ import annotations

import re

import calendar
import html
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import podcastparser
import pytest
import webvtt
from .feed_helpers import BASE_URL, FIRST_SEEN, build, dated_file, write_articles
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audio_articles.errors import InputError, OutputError
from audio_articles.feed.build import LOCK_FILE, build_feed
from audio_articles.feed.settings import SettingsChange
from audio_articles.speech.engines.fake import FakeEngine

ESCAPED_TITLE = "Fish & Chips <b>Night</b> at “Café Ünïcode” 🎙️ 東京"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One feed of three articles, built once for the read-only tests."""
    root = tmp_path_factory.mktemp("feed")
    articles = write_articles(root / "articles")
    result = build([articles], root / "feed", author="Harbour Desk", description="News read aloud & more.",
                   category="News > Daily News")
    return result


def cue_seconds(stamp: str) -> float:
    """A WebVTT time (webvtt-py's *_in_seconds drop the milliseconds)."""
    hours, minutes, secs = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(secs)


def episode_files(result, episode):
    folder = result.folder / "episodes"
    return folder / episode.audio_name, folder / episode.chapters_name, folder / episode.transcript_name


def test_feed_folder_has_every_file(built):
    names = {p.relative_to(built.folder).as_posix() for p in built.folder.rglob("*") if not p.name.startswith(".")}
    assert {"feed.xml", "index.html", "feed.toml", "title-cover.png", "episodes"} <= names
    assert len(built.episodes) == 3
    for episode in built.episodes:
        for path in episode_files(built, episode):
            assert path.stat().st_size > 0
    assert not list(built.folder.rglob("*.part*"))


def test_channel_fields_through_feedparser_and_podcastparser(built):
    xml = (built.folder / "feed.xml").read_bytes()
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    channel = parsed.feed
    assert channel.title == "Local & <Harbour> News"
    assert channel.link == BASE_URL + "/"
    assert channel.summary == "News read aloud & more."
    assert channel.language == "en"
    assert channel.author == "Harbour Desk"
    assert channel.image.href == BASE_URL + "/title-cover.png"
    assert [tag.term for tag in channel.tags] == ["News", "Daily News"]
    assert any(link.rel == "self" and link.href == BASE_URL + "/feed.xml" for link in channel.links)

    podcast = podcastparser.parse(BASE_URL + "/feed.xml", (built.folder / "feed.xml").open("rb"))
    assert podcast["title"] == "Local & <Harbour> News"
    assert podcast["description"] == "News read aloud & more."
    assert podcast["cover_url"] == BASE_URL + "/title-cover.png"
    assert podcast["itunes_author"] == "Harbour Desk"
    assert podcast["itunes_categories"] == [["News", "Daily News"]]
    assert podcast["explicit"] is False
    assert podcast["language"] == "en"
    assert podcast["link"] == BASE_URL + "/"
    root = ET.fromstring(xml)
    assert root.find("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}explicit").text == "false"


def test_items_through_feedparser(built):
    parsed = feedparser.parse((built.folder / "feed.xml").read_bytes())
    assert [entry.title for entry in parsed.entries] == [episode.title for episode in built.episodes]
    for entry, episode in zip(parsed.entries, built.episodes):
        audio, chapters, transcript = episode_files(built, episode)
        assert entry.id == episode.guid and entry.guidislink is False
        (enclosure,) = entry.enclosures
        assert enclosure.href == f"{BASE_URL}/episodes/{audio.name}"
        assert int(enclosure.length) == audio.stat().st_size
        assert enclosure.type == "audio/mpeg"
        assert calendar.timegm(entry.published_parsed) == int(episode.published_at.timestamp())
        h, m, s = (int(part) for part in entry.itunes_duration.split(":"))
        assert abs(h * 3600 + m * 60 + s - MP3(audio).info.length) <= 1
        assert entry.podcast_chapters == {
            "url": f"{BASE_URL}/episodes/{chapters.name}", "type": "application/json+chapters"
        }
        assert entry.podcast_transcript["url"] == f"{BASE_URL}/episodes/{transcript.name}"
        assert entry.podcast_transcript["type"] == "text/vtt"
        assert entry.podcast_transcript["rel"] == "captions"
        assert entry.summary == html.escape(episode.description, quote=False) or entry.summary == episode.description


def test_items_through_podcastparser(built):
    podcast = podcastparser.parse(BASE_URL + "/feed.xml", (built.folder / "feed.xml").open("rb"))
    items = podcast["episodes"]
    assert [item["guid"] for item in items] == [episode.guid for episode in built.episodes]
    for item, episode in zip(items, built.episodes):
        audio, chapters_path, _ = episode_files(built, episode)
        assert item["title"] == episode.title
        assert item["description"] == episode.description
        (enclosure,) = item["enclosures"]
        assert enclosure["file_size"] == audio.stat().st_size
        assert enclosure["mime_type"] == "audio/mpeg"
        assert item["published"] == int(episode.published_at.timestamp())
        assert abs(item["total_time"] - MP3(audio).info.length) <= 1
        chapters = json.loads(chapters_path.read_text(encoding="utf-8"))["chapters"]
        # podcastparser reads psc chapters and truncates starts to whole seconds.
        assert [(c["start"], c["title"]) for c in item["chapters"]] == [
            (int(c["startTime"]), c["title"]) for c in chapters
        ]


def test_dates_descriptions_and_order(built):
    by_key = {episode.key: episode for episode in built.episodes}
    tram = by_key["tram.md"]
    assert tram.published_at.isoformat() == "2024-02-09T00:00:00+00:00"  # the article's own date
    assert by_key["ferry.txt"].published_at == FIRST_SEEN  # no date of its own: the file's
    assert built.episodes[-1] is tram  # newest first
    assert by_key["ferry.txt"].description.startswith("The harbour ferry will run a last crossing")
    podcast = podcastparser.parse(BASE_URL, (built.folder / "feed.xml").open("rb"))
    published = [item["published"] for item in podcast["episodes"]]
    assert published == sorted(published, reverse=True)
    assert "Fri, 09 Feb 2024 00:00:00 +0000" in (built.folder / "feed.xml").read_text(encoding="utf-8")


def test_json_chapters_follow_the_spec_and_match_the_mp3(built):
    for episode in built.episodes:
        audio, chapters_path, _ = episode_files(built, episode)
        document = json.loads(chapters_path.read_text(encoding="utf-8"))
        assert document["version"] == "1.2.0"
        assert document["title"] == episode.title
        assert document["podcastName"] == "Local & <Harbour> News"
        chapters = document["chapters"]
        assert chapters and chapters[0]["startTime"] == 0
        starts = [c["startTime"] for c in chapters]
        assert starts == sorted(starts)
        for chapter, following in zip(chapters, chapters[1:] + [None]):
            assert set(chapter) <= {"startTime", "endTime", "title", "img", "url", "toc", "location"}
            assert isinstance(chapter["startTime"], (int, float)) and isinstance(chapter["title"], str)
            assert chapter["endTime"] > chapter["startTime"]
            if following:
                assert chapter["endTime"] == following["startTime"]
        assert chapters[-1]["endTime"] == pytest.approx(MP3(audio).info.length, abs=0.1)
        frames = sorted(ID3(audio).getall("CHAP"), key=lambda frame: frame.start_time)
        assert [(f.start_time / 1000, f.sub_frames["TIT2"].text[0]) for f in frames] == [
            (c["startTime"], c["title"]) for c in chapters
        ]


def test_transcript_parses_and_covers_the_audio(built):
    for episode in built.episodes:
        audio, _, transcript = episode_files(built, episode)
        captions = webvtt.read(str(transcript)).captions
        assert captions[0].start_in_seconds == 0
        for caption, following in zip(captions, captions[1:]):
            assert caption.end == following.start  # no gaps, no overlaps
        assert cue_seconds(captions[-1].end) == pytest.approx(MP3(audio).info.length, abs=0.1)
        quotes = [c for c in captions if c.voice]
        assert quotes and {c.voice for c in quotes} == {"Quote"}
    tram = next(e for e in built.episodes if e.key == "tram.md")
    captions = webvtt.read(str(episode_files(built, tram)[2])).captions
    quote = next(c for c in captions if c.voice)
    assert "This line will connect three neighbourhoods" in quote.text


def test_text_is_escaped_in_xml_id3_json_vtt(built):
    episode = next(e for e in built.episodes if e.key == "escapes.txt")
    assert episode.title == ESCAPED_TITLE
    audio, chapters_path, transcript = episode_files(built, episode)
    assert ID3(audio)["TIT2"].text[0] == ESCAPED_TITLE
    items = feedparser.parse((built.folder / "feed.xml").read_bytes()).entries
    assert ESCAPED_TITLE in [item.title for item in items]
    podcast = podcastparser.parse(BASE_URL, (built.folder / "feed.xml").open("rb"))
    item = next(i for i in podcast["episodes"] if i["guid"] == episode.guid)
    assert item["title"] == ESCAPED_TITLE
    assert "£5 & the queue < 20 minutes > nobody's" in item["description"]
    assert json.loads(chapters_path.read_text(encoding="utf-8"))["chapters"][0]["title"] == ESCAPED_TITLE
    texts = [html.unescape(c.text) for c in webvtt.read(str(transcript)).captions]
    assert texts[0] == ESCAPED_TITLE
    assert any("fish & chips to everyone, even at <midnight>" in text for text in texts)
    raw = transcript.read_text(encoding="utf-8")
    assert "<midnight>" not in raw and "<b>" not in raw


def test_slugs_are_ascii_unique_and_inside_the_folder(built):
    slugs = [episode.slug for episode in built.episodes]
    assert len(set(slugs)) == len(slugs)
    for slug in slugs:
        assert slug.isascii() and "/" not in slug and not slug.startswith(".")
    assert next(e for e in built.episodes if e.key == "escapes.txt").slug == "fish-chips-b-night-b-at-cafe-unicode"


def test_same_titles_and_non_latin_titles_get_distinct_slugs(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("one.txt", "two.txt"):
        (folder / name).write_text("Same Headline\n\nA paragraph that says something.\n", encoding="utf-8")
    (folder / "tokyo.txt").write_text("東京の夜\n\n夜の街の話です。\n", encoding="utf-8")
    (folder / "dots.txt").write_text("../../etc/passwd\n\nNot a path at all.\n", encoding="utf-8")
    result = build([folder], tmp_path / "feed")
    slugs = {episode.slug for episode in result.episodes}
    tokyo = next(episode for episode in result.episodes if episode.key == "tokyo.txt")
    assert tokyo.slug == "episode-" + tokyo.guid[:8]
    assert slugs == {"same-headline", "same-headline-2", "etc-passwd", tokyo.slug}
    for path in (tmp_path / "feed" / "episodes").iterdir():
        assert path.resolve().parent == (tmp_path / "feed" / "episodes").resolve()


def test_rerun_with_nothing_changed_renders_nothing(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in feed_dir.rglob("*") if p.is_file()}
    engine = FakeEngine()
    result = build([articles], feed_dir, engine, now=FIRST_SEEN.replace(year=2027))
    assert result.rendered == () and not result.feed_changed
    assert engine.calls == []
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in feed_dir.rglob("*") if p.is_file()}
    assert after == before  # byte-identical and not even rewritten


def test_new_article_renders_only_that_episode(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    first = build([articles], feed_dir)
    (articles / "extra.txt").write_text("Bridge Repairs Finish Early\n\nThe bridge reopens on Monday.\n", "utf-8")
    later = FIRST_SEEN.replace(day=20)
    dated_file(articles / "extra.txt", later)
    engine = FakeEngine()
    result = build([articles], feed_dir, engine, now=later)
    assert result.rendered == ("bridge-repairs-finish-early",)
    assert {call.text for call in engine.calls} == {"Bridge Repairs Finish Early", "The bridge reopens on Monday."}
    assert result.episodes[0].slug == "bridge-repairs-finish-early"  # newest first
    assert result.episodes[0].published_at == later
    assert {(e.guid, e.published) for e in first.episodes} <= {(e.guid, e.published) for e in result.episodes}


def test_edited_article_rerenders_and_keeps_guid_slug_and_date(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    first = {e.key: e for e in build([articles], feed_dir).episodes}
    (articles / "ferry.txt").write_text(
        "Harbour Ferry Adds Two Late Sailings\n\nThere will be two late crossings, not one, and both are free.\n",
        encoding="utf-8",
    )
    result = build([articles], feed_dir, now=FIRST_SEEN.replace(month=9))
    assert result.rendered == (first["ferry.txt"].slug,)
    edited = {e.key: e for e in result.episodes}["ferry.txt"]
    assert (edited.guid, edited.slug, edited.published) == (
        first["ferry.txt"].guid, first["ferry.txt"].slug, first["ferry.txt"].published
    )
    assert edited.title == "Harbour Ferry Adds Two Late Sailings"
    podcast = podcastparser.parse(BASE_URL, (feed_dir / "feed.xml").open("rb"))
    item = next(i for i in podcast["episodes"] if i["guid"] == edited.guid)
    assert item["title"] == edited.title
    assert item["published"] == int(FIRST_SEEN.timestamp())
    assert item["enclosures"][0]["file_size"] == (feed_dir / "episodes" / edited.audio_name).stat().st_size


def test_removed_article_stays_unless_pruned(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    first = build([articles], feed_dir)
    ferry = next(e for e in first.episodes if e.key == "ferry.txt")
    (articles / "ferry.txt").unlink()
    kept = build([articles], feed_dir)
    assert kept.orphaned == (ferry.slug,) and len(kept.episodes) == 3
    assert (feed_dir / "episodes" / ferry.audio_name).exists()
    pruned = build([articles], feed_dir, prune=True)
    assert pruned.pruned == (ferry.slug,) and len(pruned.episodes) == 2
    assert not any((feed_dir / "episodes" / name).exists() for name in ferry.file_names)
    guids = [i["guid"] for i in podcastparser.parse(BASE_URL, (feed_dir / "feed.xml").open("rb"))["episodes"]]
    assert ferry.guid not in guids and len(guids) == 2


def test_settings_are_saved_and_reused(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir, explicit=True, language="fr")
    result = build([articles], feed_dir, author="New Desk")
    assert result.settings.title == "Local & <Harbour> News"
    assert result.settings.explicit is True and result.settings.language == "fr"
    assert result.settings.author == "New Desk"
    podcast = podcastparser.parse(BASE_URL, (feed_dir / "feed.xml").open("rb"))
    assert podcast["explicit"] is True and podcast["language"] == "fr" and podcast["itunes_author"] == "New Desk"
    assert 'author = "New Desk"' in (feed_dir / "feed.toml").read_text(encoding="utf-8")


def test_changed_voices_rerender_every_episode(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    profile = tmp_path / "slow.toml"
    profile.write_text('name = "slow"\n[defaults]\nvoice = "gmw/en-us"\nrate = 120\n', encoding="utf-8")
    result = build([articles], feed_dir, voices=str(profile))
    assert len(result.rendered) == 3


def test_interrupted_run_keeps_the_previous_feed(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    feed_before = (feed_dir / "feed.xml").read_bytes()
    (articles / "a-new.txt").write_text("Storm Warning for the Coast\n\nWinds may reach gale force.\n", "utf-8")
    (articles / "b-new.txt").write_text("Market Hall Gets Solar Roof\n\nPanels go up in June.\n", "utf-8")

    class Crash(FakeEngine):
        def synthesize(self, text, voice, path):
            if text.startswith("Market"):
                raise KeyboardInterrupt  # like Ctrl-C in the middle of the run
            return super().synthesize(text, voice, path)

    with pytest.raises(KeyboardInterrupt):
        build([articles], feed_dir, Crash())
    assert (feed_dir / "feed.xml").read_bytes() == feed_before
    assert not feedparser.parse(feed_before).bozo
    assert not [p for p in feed_dir.rglob("*") if ".part" in p.name]
    engine = FakeEngine()
    result = build([articles], feed_dir, engine)
    assert result.rendered == ("market-hall-gets-solar-roof",)  # the finished one is not redone
    assert len(result.episodes) == 5


def test_a_second_run_waits_for_the_lock(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time, filelock; lock = filelock.FileLock(sys.argv[1]); lock.acquire();"
         " print('held', flush=True); time.sleep(30)", str(feed_dir / LOCK_FILE)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        waited = []
        with pytest.raises(OutputError, match="another run is still updating"):
            build_feed([articles], feed_dir, SettingsChange(), None, on_wait=lambda: waited.append(1), lock_timeout=0.3)
        assert waited == [1]
    finally:
        holder.kill()
        holder.wait()
    assert build([articles], feed_dir).rendered == ()  # free again once the holder is gone


def test_two_runs_at_once_both_finish_one_valid_feed(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[3]);"
        "from tests.feed_helpers import build; r = build([Path(sys.argv[1])], Path(sys.argv[2]));"
        "print(len(r.rendered))"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, str(articles), str(feed_dir), str(Path(__file__).parent.parent)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    rendered = sorted(int(out) for out, _ in outputs)
    assert rendered == [0, 3]  # the second waited, then found nothing left to do
    assert len(podcastparser.parse(BASE_URL, (feed_dir / "feed.xml").open("rb"))["episodes"]) == 3


def test_cover_image_is_copied_and_checked(tmp_path):
    from audio_articles.feed.cover import solid_png

    articles = write_articles(tmp_path / "articles")
    cover = tmp_path / "art.png"
    cover.write_bytes(solid_png(1400, (200, 40, 40)))
    feed_dir = tmp_path / "feed"
    result = build([articles], feed_dir, image=str(cover))
    assert result.settings.image == "cover.png"
    assert (feed_dir / "cover.png").read_bytes() == cover.read_bytes()
    not_image = tmp_path / "art.gif"
    not_image.write_bytes(b"GIF89a....")
    with pytest.raises(InputError, match="not a PNG or JPEG"):
        build([articles], feed_dir, image=str(not_image))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": None}, "needs --title and --base-url"),
        ({"base_url": "example.org/pod"}, "is not an http"),
        ({"title": "  "}, "--title is empty"),
    ],
)
def test_bad_settings_fail_before_anything_is_written(tmp_path, change, message):
    articles = write_articles(tmp_path / "articles")
    settings = {"title": "T", "base_url": BASE_URL, **change}
    with pytest.raises(InputError, match=message):
        build_feed([articles], tmp_path / "feed", SettingsChange(**settings), None)
    assert not (tmp_path / "feed").exists()


def test_bad_sources_fail_clearly(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "same.txt").write_text("One\n\nText one.\n", encoding="utf-8")
    (tmp_path / "b" / "same.txt").write_text("Two\n\nText two.\n", encoding="utf-8")
    with pytest.raises(InputError, match="two articles are named same.txt"):
        build([tmp_path / "a", tmp_path / "b"], tmp_path / "feed")
    with pytest.raises(InputError, match="no such file or folder"):
        build([tmp_path / "missing.txt"], tmp_path / "feed")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no articles"):
        build([tmp_path / "empty"], tmp_path / "feed")
    assert not (tmp_path / "feed").exists()


@pytest.mark.engine
def test_real_engine_feed(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "ferry.txt").write_text(
        "Harbour Ferry Adds a Late Sailing\n\nThe ferry will run a last crossing at eleven.\n\n"
        "“We listened to our passengers,” said the harbour master.\n",
        encoding="utf-8",
    )
    result = build([articles], tmp_path / "feed", "pyttsx3")
    (episode,) = result.episodes
    audio = result.folder / "episodes" / episode.audio_name
    length = float(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(audio)],
        capture_output=True, text=True, check=True,
    ).stdout)  # fmt: skip
    assert length > 2
    podcast = podcastparser.parse(BASE_URL, (result.folder / "feed.xml").open("rb"))
    (item,) = podcast["episodes"]
    assert item["enclosures"][0]["file_size"] == audio.stat().st_size
    assert abs(item["total_time"] - length) <= 1
    assert [c["title"] for c in item["chapters"]][0] == "Harbour Ferry Adds a Late Sailing"
    captions = webvtt.read(str(result.folder / "episodes" / episode.transcript_name)).captions
    assert cue_seconds(captions[-1].end) == pytest.approx(length, abs=0.1)
    assert [c.voice for c in captions] == [None, None, "Quote", None]  # attribution in the body voice


def test_doctests_of_the_feed_modules():
    import doctest

    from audio_articles.feed import cover, dates, rss, settings, site, slugs

    for module in (cover, dates, rss, settings, site, slugs):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_episode_tags_carry_the_podcast_title_and_cover(built):
    for episode in built.episodes:
        tags = ID3(built.folder / "episodes" / episode.audio_name)
        assert tags["TALB"].text[0] == "Local & <Harbour> News"
        (picture,) = tags.getall("APIC")
        assert picture.data == (built.folder / "title-cover.png").read_bytes()


def test_new_cover_rerenders_the_episodes_with_it(tmp_path):
    from audio_articles.feed.cover import solid_png

    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    cover = tmp_path / "new.png"
    cover.write_bytes(solid_png(1500, (10, 120, 60)))
    result = build([articles], feed_dir, image=str(cover))
    assert len(result.rendered) == 3
    for episode in result.episodes:
        (picture,) = ID3(feed_dir / "episodes" / episode.audio_name).getall("APIC")
        assert picture.data == cover.read_bytes()


def test_an_article_with_nothing_to_say_is_named_and_skipped(tmp_path):
    # Issue #26: one bad article no longer aborts the whole feed; it is named, left out,
    # and the run's exit code says not everything was done.
    articles = write_articles(tmp_path / "articles")
    (articles / "zz-ads.txt").write_text("Advertisement\n\nShare this article\n", encoding="utf-8")
    result = build([articles], tmp_path / "feed")
    assert [str(error) for error in result.skipped] == [f"{articles / 'zz-ads.txt'} has nothing left to say once clutter is removed; fix it or leave it out"]
    assert result.exit_code == InputError.exit_code
    assert sorted(e.key for e in result.episodes) == ["escapes.txt", "ferry.txt", "tram.md"]


def test_only_bad_articles_fail_before_anything_is_written(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "zz-ads.txt").write_text("Advertisement\n\nShare this article\n", encoding="utf-8")
    engine = FakeEngine()
    with pytest.raises(InputError, match="zz-ads.txt"):
        build([articles], tmp_path / "feed", engine)
    assert engine.calls == [] and not (tmp_path / "feed").exists()


def test_a_render_failure_names_the_article_and_keeps_the_feed(tmp_path):
    from audio_articles.errors import EngineError

    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    before = (feed_dir / "feed.xml").read_bytes()
    (articles / "storm.txt").write_text("Storm Warning\n\nWinds may reach gale force.\n", encoding="utf-8")

    class Broken(FakeEngine):
        def synthesize(self, text, voice, path):
            raise EngineError("the engine wrote no audio")

    result = build([articles], feed_dir, Broken())  # skipped: the feed goes on without it
    assert len(result.skipped) == 1 and re.search(r"storm\.txt: .*wrote no audio", str(result.skipped[0]))
    assert result.exit_code == EngineError.exit_code
    assert (feed_dir / "feed.xml").read_bytes() == before


def test_an_orphaned_episode_whose_audio_was_deleted_is_left_out(tmp_path, caplog):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    first = build([articles], feed_dir)
    ferry = next(e for e in first.episodes if e.key == "ferry.txt")
    (articles / "ferry.txt").rename(tmp_path / "ferry.txt")
    (feed_dir / "episodes" / ferry.audio_name).unlink()
    result = build([articles], feed_dir)
    assert ferry.guid not in [e.guid for e in result.episodes] and len(result.episodes) == 2
    assert ferry.audio_name in caplog.text
    restored = build([articles, tmp_path / "ferry.txt"], feed_dir)
    assert restored.rendered == (ferry.slug,)
    assert next(e for e in restored.episodes if e.key == "ferry.txt").guid == ferry.guid


def test_kill_9_mid_run_leaves_the_previous_feed_and_the_rerun_finishes(tmp_path):
    import signal
    import time

    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    before = (feed_dir / "feed.xml").read_bytes()
    state = feed_dir / ".feed-state.json"
    state_before = state.read_bytes()
    for n in range(6):
        paragraphs = "\n\n".join(f"Paragraph {p} of story {n} says something new about the harbour." for p in range(12))
        (articles / f"new-{n}.txt").write_text(f"Harbour Story Number {n}\n\n{paragraphs}\n", encoding="utf-8")
    run = subprocess.Popen(
        [sys.executable, "-m", "audio_articles", "feed", str(articles), "-o", str(feed_dir), "--engine", "fake",
         "-j", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while state.read_bytes() == state_before and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert (feed_dir / "feed.xml").read_bytes() == before  # untouched until the end of a run
    assert json.loads(state.read_text(encoding="utf-8"))  # the state is whole, never half-written
    result = build([articles], feed_dir)
    assert 0 < len(result.rendered) < 6  # what the killed run finished is not redone
    assert len(result.episodes) == 9
    assert not [p for p in feed_dir.rglob("*") if ".part" in p.name]
    podcast = podcastparser.parse(BASE_URL, (feed_dir / "feed.xml").open("rb"))
    for item, episode in zip(podcast["episodes"], result.episodes):
        assert item["enclosures"][0]["file_size"] == (feed_dir / "episodes" / episode.audio_name).stat().st_size


def test_cover_sizes_are_read_from_png_and_jpeg(tmp_path, caplog):
    from audio_articles.feed.cover import image_size, read_cover, solid_png

    jpeg = tmp_path / "cover.jpg"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=navy:s=1600x1600", "-frames:v", "1", str(jpeg)],
        check=True,
    )  # fmt: skip
    assert image_size(jpeg.read_bytes()) == (1600, 1600)
    assert read_cover(jpeg).name == "cover.jpg"
    assert image_size(solid_png(1400, (0, 0, 0))) == (1400, 1400)
    small = tmp_path / "small.png"
    small.write_bytes(solid_png(300, (0, 0, 0)))
    assert read_cover(small).kind == "png"
    assert "300×300 px; Apple Podcasts wants a square of 1400 to 3000 px" in caplog.text


def test_damaged_settings_or_state_say_what_to_do(tmp_path):
    articles = write_articles(tmp_path / "articles")
    feed_dir = tmp_path / "feed"
    build([articles], feed_dir)
    settings = (feed_dir / "feed.toml").read_text(encoding="utf-8")
    (feed_dir / "feed.toml").write_text(settings + "colour = 'blue'\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown setting 'colour'"):
        build([articles], feed_dir)
    (feed_dir / "feed.toml").write_text("title = [broken\n", encoding="utf-8")
    with pytest.raises(InputError, match="not readable TOML"):
        build([articles], feed_dir)
    (feed_dir / "feed.toml").write_text(settings, encoding="utf-8")
    (feed_dir / ".feed-state.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="delete it to rebuild every episode"):
        build([articles], feed_dir)


def test_each_episode_is_voiced_with_the_lexicon_beside_its_article(tmp_path):
    # As with convert: lexicon.txt in an article's folder respells its words (and is not
    # an episode itself); editing it renders that folder's episodes again (their unchanged
    # clips come from the cache), not the others'.
    articles = write_articles(tmp_path / "articles")
    other = tmp_path / "other"
    other.mkdir()
    (articles / "tram.md").rename(other / "tram.md")
    feed_dir = tmp_path / "feed"
    first = {e.key: e for e in build([articles, other], feed_dir).episodes}
    (articles / "lexicon.txt").write_text("ferry = ferri boat\n", encoding="utf-8")
    engine = FakeEngine()
    result = build([articles, other], feed_dir, engine)
    assert sorted(e.key for e in result.episodes) == ["escapes.txt", "ferry.txt", "tram.md"]
    assert sorted(result.rendered) == sorted([first["ferry.txt"].slug, first["escapes.txt"].slug])
    spoken = [call.text for call in engine.calls]
    assert any("ferri boat" in text for text in spoken)
    assert not any("ferry" in text.lower() for text in spoken)
    assert build([articles, other], feed_dir).rendered == ()


def test_owner_genre_and_the_title_cover(tmp_path):
    from PIL import Image

    articles = write_articles(tmp_path / "articles")
    result = build([articles], tmp_path / "feed", owner_email="editor@example.org", owner_name="The Editor")
    xml = (result.folder / "feed.xml").read_text(encoding="utf-8")
    assert "<itunes:owner>" in xml and "<itunes:email>editor@example.org</itunes:email>" in xml
    assert "<itunes:name>The Editor</itunes:name>" in xml
    assert 'owner_email = "editor@example.org"' in (result.folder / "feed.toml").read_text(encoding="utf-8")
    cover = Image.open(result.folder / "title-cover.png")
    assert cover.size[0] == cover.size[1] and 1400 <= cover.size[0] <= 3000
    assert len(cover.convert("L").getcolors(1400 * 1400)) > 10  # letters drawn, not a plain square
    tags = ID3(result.folder / "episodes" / result.episodes[0].audio_name)
    assert str(tags["TCON"]) == "Podcast"
    page = (result.folder / "index.html").read_text(encoding="utf-8")
    for episode in result.episodes:  # the page and the feed round durations the same way
        from audio_articles.feed.dates import duration_clock

        assert duration_clock(episode.duration_ms) in xml
        assert f"· {duration_clock(episode.duration_ms, short=True)}" in page
    with pytest.raises(InputError, match="--owner-email"):
        build([articles], tmp_path / "feed", owner_email="not an address")
