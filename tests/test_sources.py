"""Sources other than files: URLs (against a server on 127.0.0.1 started here) and
standard input; every failure is one line, a documented exit code, and nothing written."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from audio_articles.errors import FetchError, InputError
from audio_articles.sources import load_source, source_stem
from audio_articles.sources.fetch import fetch_page, user_agent

from .test_cli import assert_one_line_error, run_cli
from .test_html import PAGE

LATIN = "<html><head><title>Crème brûlée</title></head><body><article><h1>Crème brûlée</h1>" + (
    "<p>Une crème brûlée se prépare la veille, dans un four très doux, et se sert froide avec du sucre.</p>" * 3
) + "</article></body></html>"


class Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def send(self, code: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", headers.pop("length", str(len(body))))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def do_GET(self) -> None:
        Handler.seen.append({"path": self.path, "agent": self.headers.get("User-Agent")})
        path = self.path
        if path == "/article":
            self.send(200, PAGE.encode("utf-8"))
        elif path == "/moved":
            self.send(301, b"", Location="/article")
        elif path == "/loop":
            self.send(302, b"", Location="/loop2")
        elif path == "/loop2":
            self.send(302, b"", Location="/loop")
        elif path == "/missing":
            self.send(404, b"<html><body>Not found</body></html>")
        elif path == "/broken":
            self.send(503, b"<html><body>Down</body></html>")
        elif path == "/paper.pdf":
            self.send(200, b"%PDF-1.7\n" + b"0" * 2000, "application/pdf")
        elif path == "/huge":
            self.send(200, b"<html>" + b"x" * 2000, length=str(60 * 1024 * 1024))
        elif path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"<p>" + b"x" * 65536 + b"</p>")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/slow":
            time.sleep(3)
            self.send(200, PAGE.encode("utf-8"))
        elif path == "/latin":
            self.send(200, LATIN.encode("latin-1"), "text/html; charset=iso-8859-1")
        elif path == "/app":
            self.send(200, b'<html><head><title>App</title></head><body><div id="root"></div><script>go()</script></body></html>')
        elif path == "/notes.txt":
            self.send(200, "Plain notes\n\nA first paragraph of notes, written as plain text.\n".encode(), "text/plain")
        else:
            self.send(404, b"")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_gives_the_article_and_is_cached_for_offline_runs(server):
    Handler.seen.clear()
    article, origin = load_source(f"{server}/article")
    assert article.title == "Moon Rocks Tell a Story"
    assert origin.kind == "url" and not origin.cached
    assert [hit["path"] for hit in Handler.seen] == ["/article"]  # the page only: no images, no links
    assert Handler.seen[0]["agent"] == user_agent() and Handler.seen[0]["agent"].startswith("audio-articles/")
    again, origin = load_source(f"{server}/article", offline=True)
    assert again == article and origin.cached
    assert len(Handler.seen) == 1


def test_offline_refuses_to_fetch(server):
    with pytest.raises(FetchError, match="--offline"):
        load_source(f"{server}/article?never-fetched", offline=True)


def test_redirect_is_followed(server):
    article, origin = load_source(f"{server}/moved")
    assert article.title == "Moon Rocks Tell a Story"
    assert origin.url.endswith("/article")


def test_declared_charset_is_honoured(server):
    article, _ = load_source(f"{server}/latin")
    assert article.title == "Crème brûlée"
    assert "très doux" in " ".join(s.text for s in article.segments())


def test_plain_text_url(server):
    article, origin = load_source(f"{server}/notes.txt")
    assert origin.format == "text" and article.title == "Plain notes"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/loop", ["redirects"]),
        ("/missing", ["HTTP 404"]),
        ("/broken", ["HTTP 503", "try again later"]),
        ("/paper.pdf", ["PDF", "not a web page"]),
        ("/huge", ["over the", "limit"]),
    ],
    ids=["redirect-loop", "404", "503", "pdf", "too-large"],
)
def test_fetch_failures(server, path, words):
    with pytest.raises(FetchError) as caught:
        load_source(server + path)
    for word in words:
        assert word in str(caught.value)
    assert caught.value.exit_code == 5


def test_endless_page_is_cut_at_the_limit(server, tmp_path):
    with pytest.raises(FetchError, match="more than"):
        fetch_page(f"{server}/endless", max_bytes=1024 * 1024, cache_dir=tmp_path)


def test_timeout(server, tmp_path):
    began = time.monotonic()
    with pytest.raises(FetchError, match="did not answer"):
        fetch_page(f"{server}/slow", timeout=0.5, cache_dir=tmp_path)
    assert time.monotonic() - began < 2.5


def test_dns_failure(monkeypatch, tmp_path):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(FetchError, match="host name could not be found"):
        fetch_page("https://no-such-host.invalid/story", cache_dir=tmp_path)


def test_page_without_article_is_an_input_error(server):
    with pytest.raises(InputError, match="no article text found"):
        load_source(f"{server}/app")


def test_stdin_html_markdown_and_text():
    html, origin = load_source("-", stdin=io.BytesIO(PAGE.encode("utf-8")))
    assert origin.format == "html" and html.title == "Moon Rocks Tell a Story"
    markdown, origin = load_source("-", stdin=io.BytesIO(b"# Pasted\n\nSome **bold** words and a [link](https://example.org)."))
    assert origin.format == "markdown" and markdown.title == "Pasted"
    text, origin = load_source("-", stdin=io.BytesIO(b"Pasted title\n\nA paragraph of pasted text."))
    assert origin.format == "text" and text.title == "Pasted title"


def test_stdin_size_bound():
    with pytest.raises(InputError, match="over the"):
        load_source("-", stdin=io.BytesIO(b"words " * 1000), max_bytes=100)


def test_source_stem():
    assert source_stem("https://example.org/2024/03/moon-rocks/") == "moon-rocks"


# -- through the command line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "code", "words"),
    [("/missing", 5, ["HTTP 404"]), ("/paper.pdf", 5, ["PDF"]), ("/loop", 5, ["redirects"]), ("/app", 2, ["no article"])],
    ids=["404", "pdf", "loop", "no-article"],
)
def test_cli_url_failures_are_one_line_and_write_nothing(server, tmp_path, path, code, words):
    run = run_cli("convert", server + path, "-o", str(tmp_path / "x.mp3"), "--engine", "fake")
    assert_one_line_error(run, code, *words)
    assert list(tmp_path.iterdir()) == []


def test_cli_inspect_url_then_offline(server):
    run = run_cli("inspect", f"{server}/article", "--json")
    assert run.returncode == 0, run.stderr
    assert '"title": "Moon Rocks Tell a Story"' in run.stdout
    again = run_cli("inspect", f"{server}/article", "--json", "--offline")
    assert again.returncode == 0 and again.stdout == run.stdout


def test_cli_convert_url_and_stdin(server, tmp_path):
    run = run_cli("convert", f"{server}/article", "-o", str(tmp_path / "moon.mp3"), "--engine", "fake")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "moon.mp3").stat().st_size > 0
    piped = subprocess.run(
        [sys.executable, "-m", "audio_articles", "convert", "-", "-o", str(tmp_path / "pasted.mp3"), "--engine", "fake"],
        input=b"Pasted title\n\nA paragraph of pasted text, long enough to say.", capture_output=True, timeout=300,
        cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert (tmp_path / "pasted.mp3").stat().st_size > 0


def test_cli_50_mb_page_file_is_refused(tmp_path):
    page = tmp_path / "work" / "huge.html"
    page.parent.mkdir()
    with page.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.write(b"<html><body>")
        handle.truncate(50 * 1024 * 1024)
    run = run_cli("convert", str(page), "-o", str(tmp_path / "x.mp3"), "--engine", "fake")
    assert_one_line_error(run, 2, "over the", "--max-size")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_cli_convert_html_file(tmp_path):
    page = tmp_path / "moon.html"
    page.write_text(PAGE, encoding="utf-8")
    run = run_cli("convert", str(page), "--engine", "fake")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "moon.mp3").stat().st_size > 0


# -- feeds: .html files in the folder and --urls -----------------------------------------


def test_feed_takes_html_files_and_a_list_of_urls(server, tmp_path):
    import feedparser

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "moon.html").write_text(PAGE, encoding="utf-8")
    url_list = tmp_path / "urls.txt"
    url_list.write_text(f"# reading list\n\n{server}/latin   # a French recipe\n", encoding="utf-8")
    feed_dir = tmp_path / "feed"
    run = run_cli(
        "feed", str(articles), "--urls", str(url_list), "-o", str(feed_dir), "--engine", "fake",
        "--title", "Web pods", "--base-url", "https://example.org/pods",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    parsed = feedparser.parse((feed_dir / "feed.xml").read_bytes())
    items = {entry.title: entry for entry in parsed.entries}
    assert set(items) == {"Moon Rocks Tell a Story", "Crème brûlée"}
    # The page's own date is the episode's date.
    assert items["Moon Rocks Tell a Story"].published_parsed[:3] == (2024, 3, 5)


def test_feed_url_list_errors(tmp_path):
    url_list = tmp_path / "urls.txt"
    url_list.write_text("https://example.org/a\nnot a url\n", encoding="utf-8")
    run = run_cli("feed", "--urls", str(url_list), "-o", str(tmp_path / "feed"), "--engine", "fake")
    assert_one_line_error(run, 2, "line 2", "not an http")
    assert not (tmp_path / "feed").exists()


def test_cli_preview_url_and_batch_folder_with_a_page(server, tmp_path):
    run = run_cli("preview", f"{server}/article", "--section", "2", "--no-play", "--engine", "fake", "-o", str(tmp_path / "p.wav"))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "p.wav").stat().st_size > 0
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "moon.html").write_text(PAGE, encoding="utf-8")
    (folder / "notes.txt").write_text("Notes\n\nA short note to read aloud.\n", encoding="utf-8")
    run = run_cli("convert", str(folder), "-o", str(tmp_path / "out"), "--engine", "fake")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["moon.mp3", "notes.mp3"]
