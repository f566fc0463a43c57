"""JSON chapters (Podcasting 2.0, v1.2.0) and the WebVTT transcript, from a Timeline."""

from __future__ import annotations

import doctest
import html
import json

import pytest
import webvtt

from audio_articles.audio import chapters as chapters_module
from audio_articles.audio.chapters import ChapterInfo, chapters_json, clock, webvtt as to_vtt
from audio_articles.model import Chapter, SegmentKind, Timeline, TimedSegment

TIMELINE = Timeline(
    segments=(
        TimedSegment(1, SegmentKind.HEADLINE, "Ferry & Bus <Changes>", "gmw/en", 20, 1500),
        TimedSegment(2, SegmentKind.BODY, "The timetable changes --> on Monday.", "gmw/en", 2100, 4000),
        TimedSegment(3, SegmentKind.QUOTE, "It's about time, & then some", "gmw/en+f3", 4300, 6200),
        TimedSegment(4, SegmentKind.BODY, "the mayor said.", "gmw/en", 6300, 7000),
    ),
    chapters=(
        Chapter("Ferry & Bus <Changes>", 0, 2100),
        Chapter("The timetable changes…", 2100, 7200),
    ),
    duration_ms=7200,
)


def test_doctests():
    assert doctest.testmod(chapters_module).failed == 0


def test_json_chapters_fields():
    info = ChapterInfo(title="Ferry & Bus", podcast_name="Local News", author="Desk", file_name="https://x/a.mp3")
    document = json.loads(chapters_json(TIMELINE, info))
    assert document == {
        "version": "1.2.0",
        "title": "Ferry & Bus",
        "podcastName": "Local News",
        "author": "Desk",
        "fileName": "https://x/a.mp3",
        "chapters": [
            {"startTime": 0.0, "endTime": 2.1, "title": "Ferry & Bus <Changes>"},
            {"startTime": 2.1, "endTime": 7.2, "title": "The timetable changes…"},
        ],
    }


def test_json_chapters_sorted_and_optional_fields_left_out():
    shuffled = Timeline(TIMELINE.segments, tuple(reversed(TIMELINE.chapters)), TIMELINE.duration_ms)
    document = json.loads(chapters_json(shuffled))
    assert set(document) == {"version", "chapters"}
    assert [c["startTime"] for c in document["chapters"]] == [0.0, 2.1]


def test_vtt_cues_tile_the_audio_and_tag_quotes():
    text = to_vtt(TIMELINE)
    captions = webvtt.from_string(text).captions
    assert [(c.start, c.end) for c in captions] == [
        ("00:00:00.000", "00:00:02.100"),
        ("00:00:02.100", "00:00:04.300"),
        ("00:00:04.300", "00:00:06.300"),
        ("00:00:06.300", "00:00:07.200"),
    ]
    assert [c.voice for c in captions] == [None, None, "Quote", None]
    assert [html.unescape(c.text) for c in captions] == [s.text for s in TIMELINE.segments]
    assert "<Changes>" not in text and "-->" not in text.split("\n", 5)[-1].replace(" --> ", "")


def test_vtt_custom_voice_name_cannot_break_the_tag():
    text = to_vtt(TIMELINE, quote_voice="Mayor <x>\nnext")
    assert "<v Mayor x next>It&#39;s" not in text
    assert webvtt.from_string(text).captions[2].voice == "Mayor x next"


@pytest.mark.parametrize("ms, expected", [(0, "00:00:00.000"), (1, "00:00:00.001"), (3_599_999, "00:59:59.999")])
def test_clock(ms, expected):
    assert clock(ms) == expected
