"""index.html: its structure and escaping (html.parser), and in headless Chromium that
every chapter link seeks its episode's player to the chapter's start."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import threading
from html.parser import HTMLParser

import pytest
from mutagen.mp3 import MP3

from audio_articles.feed.site import SEEK_SCRIPT

from .feed_helpers import build, write_articles


class Page(HTMLParser):
    """Every start tag with its attributes, and the text under each tag name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, list[str]] = {}
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in {"meta", "link", "img", "br", "input", "source", "track"}:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        for tag in set(self.open):
            self.text.setdefault(tag, []).append(data)

    def all(self, tag):
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    return build([write_articles(root / "articles")], root / "feed", description="Read aloud <daily> & free.")


@pytest.fixture(scope="module")
def page(feed):
    parsed = Page()
    parsed.feed((feed.folder / "index.html").read_text(encoding="utf-8"))
    return parsed


def test_page_is_self_contained(page, feed):
    assert page.all("html")[0]["lang"] == "en"
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not re.match(r"(?i)^([a-z]+:|//)", value), f"external resource {tag} {name}={value}"
            if value and not value.startswith("#"):
                assert (feed.folder / value.split("#")[0]).exists(), value
    assert [attrs for attrs in page.all("script") if attrs.get("src")] == []
    assert page.all("link")[0]["href"] == "feed.xml"


def test_one_player_and_chapter_list_per_episode(page, feed):
    players = page.all("audio")
    assert [p["src"] for p in players] == [f"episodes/{e.audio_name}" for e in feed.episodes]
    assert all("controls" in p for p in players)
    assert [t["src"] for t in page.all("track")] == [f"episodes/{e.transcript_name}" for e in feed.episodes]
    assert all(t["kind"] == "captions" for t in page.all("track"))
    links = [a for a in page.all("a") if "data-start" in a]
    expected = []
    for episode in feed.episodes:
        document = json.loads((feed.folder / "episodes" / episode.chapters_name).read_text(encoding="utf-8"))
        expected += [(f"player-{episode.slug}", chapter["startTime"]) for chapter in document["chapters"]]
    assert [(a["data-player"], float(a["data-start"])) for a in links] == expected
    ids = {p["id"] for p in players}
    assert {a["data-player"] for a in links} <= ids
    for a in links:  # without scripts the link still opens the audio at the chapter
        assert a["href"] == f"{next(p['src'] for p in players if p['id'] == a['data-player'])}#t={a['data-start']}"
    assert len(page.all("nav")) == len(feed.episodes)
    assert all(nav["aria-label"].startswith("Chapters of ") for nav in page.all("nav"))


def test_article_text_is_escaped_not_injected(page, feed):
    raw = (feed.folder / "index.html").read_text(encoding="utf-8")
    assert "<b>Night</b>" not in raw and "<midnight>" not in raw and "<daily>" not in raw
    assert [name for name, _ in page.tags].count("b") == 0
    headings = "".join(page.text["h2"])
    assert "Fish & Chips <b>Night</b> at “Café Ünïcode” 🎙️ 東京" in headings
    assert "Read aloud <daily> & free." in "".join(page.text["p"])
    assert page.text["h1"] == ["Local & <Harbour> News"]
    assert "".join(page.text["script"]).strip() == SEEK_SCRIPT.strip()  # only the fixed script


HARNESS = """
<script>
// Test harness: once every player knows its duration, click each chapter link and
// record where its player went.
function ready(player) {
  return player.readyState >= 1 ? Promise.resolve() :
    new Promise(function (done) { player.addEventListener("loadedmetadata", done, {once: true}); });
}
Promise.all(Array.from(document.querySelectorAll("audio")).map(ready)).then(function () {
  var results = Array.from(document.querySelectorAll("a[data-start]")).map(function (link) {
    var player = document.getElementById(link.getAttribute("data-player"));
    var click = new MouseEvent("click", {bubbles: true, cancelable: true});
    var followed = link.dispatchEvent(click);
    return {player: player.id, start: parseFloat(link.getAttribute("data-start")),
            now: player.currentTime, duration: player.duration, ready: player.readyState,
            followed: followed, location: location.href};
  });
  var out = document.createElement("pre");
  out.id = "results";
  out.textContent = JSON.stringify(results);
  document.body.appendChild(out);
});
</script>
"""


@contextlib.contextmanager
def served(folder):
    """The folder over HTTP on a free local port, by the server of ``audio-articles serve``
    (browsers seek in media only when the server sends byte ranges; http.server does not)."""
    from audio_articles.serve import feed_server

    server = feed_server(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("opened", ["from disk", "over HTTP"])
def test_chapter_links_seek_the_player_in_chromium(feed, opened):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "headless Chromium is needed: `make test` installs it (apt-get install chromium)"
    page = (feed.folder / "index.html").read_text(encoding="utf-8")
    harness = feed.folder / "index-harness.html"  # beside index.html, so its relative links resolve
    harness.write_text(page.replace("</body>", HARNESS + "</body>"), encoding="utf-8")
    try:
        with served(feed.folder) as base:
            url = harness.as_uri() if opened == "from disk" else base + harness.name
            dom = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required", "--virtual-time-budget=20000",
                 "--dump-dom", url],
                capture_output=True, text=True, timeout=120,
            ).stdout  # fmt: skip
    finally:
        harness.unlink()
    found = re.search(r'<pre id="results">(.*?)</pre>', dom, re.S)
    assert found, "the harness did not finish: " + dom[-500:]
    import html as html_module

    results = json.loads(html_module.unescape(found.group(1)))
    assert len(results) == sum(len(e.chapters) for e in feed.episodes)
    lengths = {f"player-{e.slug}": MP3(feed.folder / "episodes" / e.audio_name).info.length for e in feed.episodes}
    for result in results:
        assert result["ready"] >= 1  # metadata loaded from the file: a real seek
        assert result["now"] == pytest.approx(result["start"], abs=0.05)
        assert result["duration"] == pytest.approx(lengths[result["player"]], abs=0.1)
        assert result["followed"] is False  # the script handled it; the page did not navigate
        assert result["location"].endswith("index-harness.html")
