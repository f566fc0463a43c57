"""feed.xml: RSS 2.0 with the itunes, Podcasting 2.0 (podcast) and Podlove Simple Chapters
(psc) namespaces, written with ElementTree so every piece of article text is escaped.

podcastparser reads chapters only from psc, other clients from podcast:chapters; both
are written from the same chapter times.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from ..audio.chapters import JSON_CHAPTERS_TYPE
from ..units import clock
from .dates import duration_clock, rfc2822
from .settings import FeedSettings, url_in
from .state import Episode, newest_first

NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "psc": "http://podlove.org/simple-chapters",
    "atom": "http://www.w3.org/2005/Atom",
}
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""The namespace the Podcasting 2.0 spec fixes for a channel's podcast:guid (UUIDv5)."""
GENERATOR = "audio-articles"
EPISODES_FOLDER = "episodes"

for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold (control characters) removed.

    >>> xml_text("bell\\x07 & tab\\t")
    'bell & tab\\t'
    """
    return _NOT_XML.sub("", text)


def _tag(name: str) -> str:
    prefix, _, local = name.rpartition(":")
    return f"{{{NAMESPACES[prefix]}}}{local}" if prefix else local


def _add(parent: ET.Element, name: str, text: str | None = None, /, **attributes: str) -> ET.Element:
    """A child element; ``text`` is positional so an attribute may be called "text"."""
    element = ET.SubElement(parent, _tag(name), {key: xml_text(value) for key, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def podcast_guid(feed_url: str) -> str:
    """The channel's podcast:guid: UUIDv5 of the feed URL without scheme or trailing slash.

    >>> podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml")
    '917393e3-1b1e-5cef-ace4-edaa54e1f810'
    """
    bare = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def episode_url(settings: FeedSettings, name: str) -> str:
    return url_in(settings.base_url, EPISODES_FOLDER, name)


def feed_xml(settings: FeedSettings, episodes: Sequence[Episode], sizes: Mapping[str, int]) -> bytes:
    """The whole feed; ``sizes`` maps each episode's slug to its MP3's size in bytes."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _add(rss, "channel")
    _add(channel, "title", settings.title)
    _add(channel, "link", url_in(settings.base_url, ""))
    _add(channel, "description", settings.description or settings.title)
    _add(channel, "language", settings.language)
    _add(channel, "generator", GENERATOR)
    _add(channel, "atom:link", href=settings.feed_url, rel="self", type="application/rss+xml")
    _add(channel, "podcast:guid", podcast_guid(settings.feed_url))
    ordered = newest_first(list(episodes))
    if ordered:  # derived from the content, so an unchanged feed stays byte-identical
        _add(channel, "pubDate", rfc2822(ordered[0].published_at))
    if settings.image:
        image_url = url_in(settings.base_url, settings.image)
        image = _add(channel, "image")
        _add(image, "url", image_url)
        _add(image, "title", settings.title)
        _add(image, "link", url_in(settings.base_url, ""))
        _add(channel, "itunes:image", href=image_url)
    _add(channel, "itunes:author", settings.author or settings.title)
    if settings.owner_email or settings.owner_name:
        owner = _add(channel, "itunes:owner")
        _add(owner, "itunes:name", settings.owner_name or settings.author or settings.title)
        if settings.owner_email:
            _add(owner, "itunes:email", settings.owner_email)
    _add(channel, "itunes:summary", settings.description or settings.title)
    parent = channel
    for name in [part.strip() for part in settings.category.split(">") if part.strip()]:
        parent = _add(parent, "itunes:category", text=name)  # an attribute, as Apple specifies
    _add(channel, "itunes:explicit", "true" if settings.explicit else "false")
    _add(channel, "itunes:type", "episodic")
    for episode in ordered:
        _item(channel, settings, episode, sizes[episode.slug])
    ET.indent(rss, space="  ")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def _item(channel: ET.Element, settings: FeedSettings, episode: Episode, size: int) -> None:
    item = _add(channel, "item")
    _add(item, "title", episode.title)
    _add(item, "description", episode.description)
    _add(item, "link", url_in(settings.base_url, f"index.html#{episode.slug}"))
    _add(item, "guid", episode.guid, isPermaLink="false")
    _add(item, "pubDate", rfc2822(episode.published_at))
    _add(item, "enclosure", url=episode_url(settings, episode.audio_name), length=str(size), type=episode.audio_format.mime)
    _add(item, "itunes:title", episode.title)
    _add(item, "itunes:author", episode.author or settings.author or settings.title)
    _add(item, "itunes:duration", duration_clock(episode.duration_ms))
    _add(item, "itunes:explicit", "true" if settings.explicit else "false")
    _add(item, "itunes:episodeType", "full")
    _add(item, "podcast:chapters", url=episode_url(settings, episode.chapters_name), type=JSON_CHAPTERS_TYPE)
    transcript = {"url": episode_url(settings, episode.transcript_name), "type": "text/vtt", "rel": "captions"}
    if episode.language:
        transcript["language"] = episode.language
    _add(item, "podcast:transcript", **transcript)
    chapters = _add(item, "psc:chapters", version="1.2")
    for chapter in episode.chapters:
        _add(chapters, "psc:chapter", start=clock(chapter.start_ms), title=chapter.title)
