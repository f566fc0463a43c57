"""Chapters and transcripts beside the MP3: Podcasting 2.0 JSON chapters and WebVTT.

Both are pure functions of a ``Timeline``: the ID3 chapters inside the MP3 (encode.py),
the JSON chapters and the transcript all come from the same times, so they agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..model import SegmentKind, Timeline
from ..units import clock

JSON_CHAPTERS_VERSION = "1.2.0"
"""Version of the Podcasting 2.0 JSON chapters format written."""
JSON_CHAPTERS_TYPE = "application/json+chapters"
QUOTE_VOICE = "Quote"
"""Name on the WebVTT voice tag that marks quoted speech."""


@dataclass(frozen=True)
class ChapterInfo:
    """Who and what the chapters file belongs to (optional top-level fields of the spec)."""

    title: str | None = None
    """The episode's title."""
    podcast_name: str | None = None
    author: str | None = None
    file_name: str | None = None
    """The audio file the chapters describe (its URL or name)."""


def seconds(ms: int) -> float:
    """Milliseconds as seconds, exact to the millisecond.

    >>> seconds(67250)
    67.25
    """
    return round(ms / 1000, 3)


def chapters_json(timeline: Timeline, info: ChapterInfo = ChapterInfo()) -> str:
    """The chapters as Podcasting 2.0 JSON chapters (version 1.2.0), ascending by start."""
    document: dict[str, object] = {"version": JSON_CHAPTERS_VERSION}
    optional = {
        "title": info.title,
        "podcastName": info.podcast_name,
        "author": info.author,
        "fileName": info.file_name,
    }
    document.update({key: value for key, value in optional.items() if value})
    document["chapters"] = [
        {"startTime": seconds(chapter.start_ms), "endTime": seconds(chapter.end_ms), "title": chapter.title}
        for chapter in sorted(timeline.chapters, key=lambda chapter: chapter.start_ms)
    ]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def vtt_escape(text: str) -> str:
    """Cue text safe for WebVTT: &, < and > escaped (so "-->" cannot end a cue early).

    >>> vtt_escape('Fish & chips <b> --> "yes"')
    'Fish &amp; chips &lt;b&gt; --&gt; "yes"'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_voice_name(name: str) -> str:
    """A voice tag annotation: no characters that would end the tag or start a new line.

    >>> vtt_voice_name("Quote <x>\\n")
    'Quote x'
    """
    return " ".join(vtt_escape(name).replace("&lt;", "").replace("&gt;", "").split())


def webvtt(timeline: Timeline, quote_voice: str = QUOTE_VOICE) -> str:
    """The transcript as WebVTT: one cue per spoken segment, quotations under a voice tag.

    Each cue runs from its segment's start to the next segment's start (the last to the
    end of the audio), so the cues cover the whole programme and the text stays on screen
    through the pause that follows it.
    """
    lines = ["WEBVTT", ""]
    segments = sorted(timeline.segments, key=lambda segment: segment.start_ms)
    ends = [following.start_ms for following in segments[1:]] + [timeline.duration_ms]
    for number, (segment, end_ms) in enumerate(zip(segments, ends), start=1):
        start_ms = 0 if number == 1 else segment.start_ms
        text = " ".join(vtt_escape(segment.text).split())
        if segment.kind == SegmentKind.QUOTE:
            text = f"<v {vtt_voice_name(quote_voice)}>{text}</v>"
        lines += [str(number), f"{clock(start_ms)} --> {clock(max(end_ms, start_ms))}", text, ""]
    return "\n".join(lines)
