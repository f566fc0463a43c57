"""The end-to-end core with the fake engine (fast) and real ffmpeg; read back with
ffprobe and mutagen."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags

from audio_articles.convert import Options, convert, load_article
from audio_articles.errors import InputError
from audio_articles.model import SegmentKind
from audio_articles.plan import chapter_title
from audio_articles.speech.voices import load_profile

from .audio_checks import decode, ffprobe_chapters, ffprobe_format, rms_db

ARTICLE = Path(__file__).parent / "articles" / "port-strike-talks.txt"


@pytest.fixture
def converted(tmp_path, fake_engine):
    output = tmp_path / "out.mp3"
    result = convert(ARTICLE, output, Options(engine=fake_engine, chapters="paragraph"))
    return result, output, fake_engine


def test_one_chapter_for_the_headline_and_one_per_paragraph(converted):
    result, output, _ = converted
    article = result.article
    paragraphs = sorted({s.paragraph for s in article.segments()})
    chapters = ffprobe_chapters(output)
    assert len(chapters) == len(paragraphs) == 12
    assert chapters[0]["title"] == article.title
    words = {}  # a chapter is titled by its first words, over the paragraph's segments
    for segment in article.segments():
        words.setdefault(segment.paragraph, []).extend(w for w in segment.text.split() if any(c.isalnum() for c in w))
    expected = [chapter_title(" ".join(words[p])) for p in paragraphs[1:]]
    assert [c["title"] for c in chapters[1:]] == expected


def test_chapters_ascend_and_cover_the_whole_file(converted):
    _, output, _ = converted
    chapters = ffprobe_chapters(output)
    duration = float(ffprobe_format(output)["duration"])
    assert chapters[0]["start"] == 0
    for before, after in zip(chapters, chapters[1:]):
        assert before["start"] < after["start"]
        assert before["end"] == pytest.approx(after["start"], abs=0.001)
    # The MP3 is a little longer than the programme: the encoder pads the last frame.
    assert chapters[-1]["end"] == pytest.approx(duration, abs=0.1)


def test_mutagen_reads_an_ordered_top_level_toc_of_every_chapter(converted):
    _, output, _ = converted
    tags = ID3(output)
    tocs = tags.getall("CTOC")
    chaps = tags.getall("CHAP")
    assert len(tocs) == 1
    assert tocs[0].flags & CTOCFlags.TOP_LEVEL and tocs[0].flags & CTOCFlags.ORDERED
    by_id = {chap.element_id: chap for chap in chaps}
    ordered = [by_id[element] for element in tocs[0].child_element_ids]
    assert len(ordered) == len(chaps) == 12
    starts = [chap.start_time for chap in ordered]
    assert starts == sorted(starts) and starts[0] == 0
    assert all(chap.sub_frames["TIT2"].text[0] for chap in ordered)
    assert ordered[0].sub_frames["TIT2"].text[0].startswith("Harbour Workers and Port Authority")
    assert tags["TIT2"].text[0] == ordered[0].sub_frames["TIT2"].text[0]


def test_no_chapter_is_silent_and_times_match_the_audio(converted):
    result, output, _ = converted
    samples = decode(output)
    for chapter in ffprobe_chapters(output):
        part = samples[int(chapter["start"] * 22050) : int(chapter["end"] * 22050)]
        assert rms_db(part) > -40, chapter["title"]
    # Every segment's timeline slot holds sound and the gaps between holds silence.
    segments = result.timeline.segments
    for segment in segments:
        middle = (segment.start_ms + segment.end_ms) // 2
        window = samples[middle * 22050 // 1000 - 200 : middle * 22050 // 1000 + 200]
        assert rms_db(window) > -30, segment.index
    for before, after in zip(segments, segments[1:]):
        gap = samples[(before.end_ms + 20) * 22050 // 1000 : (after.start_ms - 20) * 22050 // 1000]
        if gap.size:
            assert rms_db(gap) < -60


def test_quotes_get_the_profile_quote_voice(converted):
    result, _, engine = converted
    profile = load_profile("default")
    kinds = [segment.kind for segment in result.article.segments()]
    assert SegmentKind.QUOTE in kinds and SegmentKind.BODY in kinds
    assert len(engine.calls) == len(kinds)
    for kind, call in zip(kinds, engine.calls):
        assert call.voice == profile.settings(kind).voice
    assert profile.settings(SegmentKind.QUOTE).voice.voice != profile.settings(SegmentKind.BODY).voice.voice


def test_attribution_stays_in_the_body_voice():
    article = load_article(ARTICLE)
    texts = [(s.kind, s.text) for s in article.segments()]
    assert (SegmentKind.BODY, "the mediator, Helen Achterberg, told reporters outside her office.") in texts
    assert any(kind == SegmentKind.QUOTE and text.startswith("Nobody wins a strike") for kind, text in texts)


def test_output_defaults_to_the_input_name(tmp_path, fake_engine):
    source = tmp_path / "story.txt"
    source.write_text("A Headline\n\nOne paragraph of text.\n", encoding="utf-8")
    result = convert(source, options=Options(engine=fake_engine))
    assert result.output == tmp_path / "story.mp3"
    assert result.output.stat().st_size > 0


def test_nothing_to_say_leaves_no_output(tmp_path, fake_engine):
    source = tmp_path / "clutter.txt"
    source.write_text("Read More: Something else\n\nAdvertisement\n", encoding="utf-8")
    output = tmp_path / "clutter.mp3"
    with pytest.raises(InputError, match="nothing left to say"):
        convert(source, output, Options(engine=fake_engine))
    assert list(tmp_path.iterdir()) == [source]


def test_a_second_conversion_reuses_every_clip(tmp_path, fake_engine):
    output = tmp_path / "out.mp3"
    first = convert(ARTICLE, output, Options(engine=fake_engine))
    calls = len(fake_engine.calls)
    second = convert(ARTICLE, output, Options(engine=fake_engine))
    assert len(fake_engine.calls) == calls
    assert second.cached_clips == second.clips == first.clips
    assert second.timeline == first.timeline


def test_a_missing_output_folder_fails_before_any_speech(tmp_path, fake_engine):
    from audio_articles.errors import OutputError

    with pytest.raises(OutputError, match="does not exist"):
        convert(ARTICLE, tmp_path / "nowhere" / "out.mp3", Options(engine=fake_engine))
    assert fake_engine.calls == []


def test_a_text_said_twice_in_one_voice_is_rendered_once(tmp_path, fake_engine):
    source = tmp_path / "twice.txt"
    source.write_text(
        "Twice Told\n\n“We will open the harbour again next week,” she said.\n\n"
        "“The ferries will run every hour from the first day,” she said.\n",
        encoding="utf-8",
    )
    result = convert(source, tmp_path / "twice.mp3", Options(engine=fake_engine))
    texts = [call.text for call in fake_engine.calls]
    assert texts.count("she said.") == 1
    assert result.clips == 5 and result.cached_clips == 1
    said = [s for s in result.timeline.segments if s.text == "she said."]
    assert len(said) == 2 and said[0].end_ms - said[0].start_ms == said[1].end_ms - said[1].start_ms
