"""Where an article comes from: a file, a web address or standard input.

``load_source`` is what the commands call: it reads (or fetches) the source, tells its
format (plain text, Markdown or an HTML page), parses it, and says where it came from.

The networking code (``fetch.py``) is imported only when a URL is given, so a run on
files never loads it (``tests/test_offline.py`` holds the package to that).
"""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ..errors import InputError
from ..files import DEFAULT_MAX_BYTES, clean_text, decode_text, read_article_text, read_bounded, unicode_bom
from ..units import format_size
from ..model import Article

if TYPE_CHECKING:
    from .fetch import FetchedPage

__all__ = ["Origin", "Source", "decode_page", "default_output", "is_url", "load_article", "load_source", "parse_source", "read_source", "read_url_list", "source_stem"]

STDIN = "-"
URL_LIST_MAX_BYTES = 1024 * 1024
"""Largest --urls list read (a million bytes is some ten thousand addresses)."""
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_MARKDOWN_SIGNS = re.compile(r"(?m)^(?:#{1,6} \S|```|~~~|[*-] \S.*\n[*-] \S|> \S|\|.*\|\s*$)|\[[^\]\n]+\]\([^)\s]+\)|\*\*\S")


def is_url(source: str) -> bool:
    """
    >>> is_url("https://example.org/a"), is_url("HTTP://x"), is_url("page.html")
    (True, True, False)
    """
    return source.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class Origin:
    """Where an article came from, for names, messages and the feed."""

    kind: str
    """"file", "url" or "stdin"."""
    name: str
    """The path, URL or "-" as the user gave it."""
    path: Path | None = None
    """The file, for a file source (its folder may hold a lexicon)."""
    url: str | None = None
    """The page's address after redirects, for a URL."""
    format: str = "text"
    """"text", "markdown" or "html"."""
    cached: bool = False
    """A URL read from the page cache rather than the network."""

    @property
    def stem(self) -> str:
        return source_stem(self.name)


@dataclass(frozen=True)
class Source:
    """A source's decoded text and format, before parsing."""

    text: str
    origin: Origin


def source_stem(source: str | Path) -> str:
    """A short name for outputs and untitled articles.

    >>> source_stem("notes/my-post.md"), source_stem("https://example.org/news/big-news.html?x=1"), source_stem("-")
    ('my-post', 'big-news', 'stdin')
    >>> source_stem("https://example.org/")
    'example.org'
    """
    text = str(source)
    if text == STDIN:
        return "stdin"
    if is_url(text):
        from urllib.parse import urlsplit

        parts = urlsplit(text)
        last = [piece for piece in parts.path.split("/") if piece]
        return Path(last[-1]).stem if last else parts.hostname or "page"
    return Path(text).stem


def read_source(
    source: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    offline: bool = False,
    stdin: BinaryIO | None = None,
    cache_dir: Path | None = None,
) -> Source:
    """Read a file, fetch a URL (or take it from the page cache), or read standard input."""
    name = str(source)
    if name == STDIN:
        return _read_stdin(stdin or sys.stdin.buffer, max_bytes)
    if is_url(name):
        from .fetch import MAX_PAGE_BYTES, fetch_page

        page = fetch_page(name, offline=offline, cache_dir=cache_dir, max_bytes=min(max_bytes, MAX_PAGE_BYTES))
        return _from_page(page)
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        data = _read_bytes(path, max_bytes)
        return Source(decode_page(data, None, name), Origin("file", name, path, format="html"))
    text = read_article_text(path, max_bytes)
    if suffix in MARKDOWN_SUFFIXES:
        kind = "markdown"
    elif suffix in (".txt", ".text"):
        kind = "text"
    else:
        kind = sniff_format(text)
    return Source(text, Origin("file", name, path, format=kind))


def load_source(
    source: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    offline: bool = False,
    options=None,
    stdin: BinaryIO | None = None,
    cache_dir: Path | None = None,
) -> tuple[Article, Origin]:
    """The parsed article of a file, URL or "-" (standard input), and where it came from.

    Raises InputError (exit 2) for unusable input, FetchError (exit 5) for a URL that
    cannot be fetched; nothing is written either way.
    """
    read = read_source(source, max_bytes=max_bytes, offline=offline, stdin=stdin, cache_dir=cache_dir)
    return parse_source(read, options), read.origin


def load_article(source: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, offline: bool = False) -> Article:
    """Read and parse one article: a file (text, Markdown, HTML), a URL or "-" (stdin)."""
    return load_source(source, max_bytes=max_bytes, offline=offline)[0]


def default_output(source: str | Path, suffix: str) -> Path:
    """Beside a file, named after it; a URL or standard input goes in the current folder."""
    name = str(source)
    if name == STDIN or is_url(name):
        return Path(source_stem(name) + suffix)
    return Path(source).with_suffix(suffix)


def parse_source(read: Source, options=None) -> Article:
    """The article of a source already read (``read_source``), parsed by its format."""
    origin = read.origin
    fallback = origin.stem.replace("-", " ").replace("_", " ")
    if origin.format == "html":
        from ..parsing.html import parse_html
        from ..parsing.options import ParseOptions

        article = parse_html(read.text, options=options or ParseOptions(), fallback_title=fallback, url=origin.url, name=origin.name)
    else:
        from ..parsing import parse_article

        article = parse_article(read.text, markdown=origin.format == "markdown", fallback_title=fallback, options=options)
    if origin.url and not article.url:
        article = replace(article, url=origin.url)
    if article.date is None and origin.path is not None:
        article = replace(article, date=file_date(origin.path))
    return article


_NAME_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})[-_]")


def file_date(path: Path) -> str | None:
    """The date of an article file without one in its text: from a Jekyll/Hugo file name
    (``2014-11-17-title.md``), else its modification time (ISO 8601, UTC).

    >>> file_date(Path("posts/2014-11-17-a-title.md"))
    '2014-11-17'
    """
    found = _NAME_DATE.match(path.name)
    if found:
        return found.group(1)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(int(mtime), timezone.utc).isoformat()


def read_url_list(path: Path) -> list[str]:
    """The URLs of a plain-text list: one per line; blank lines and "#" comments ignored.

    A line that is not an http(s) URL is an InputError naming it, so a typo fails early.
    """
    data = read_bounded(path, URL_LIST_MAX_BYTES, what=f"{path} (the list of URLs)", hint="split the list")
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: cannot read the list of URLs ({err}); save it as UTF-8 text") from None
    urls = []
    for number, line in enumerate(lines, 1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if not is_url(line):
            raise InputError(f"{path}, line {number}: {line!r} is not an http:// or https:// address")
        if line not in urls:
            urls.append(line)
    return urls


def sniff_format(text: str) -> str:
    """"html", "markdown" or "text", from the content alone (standard input, odd suffixes).

    >>> sniff_format("<!doctype html><html><body><p>x</p></body></html>")
    'html'
    >>> sniff_format("# Title\\n\\nA paragraph with a [link](https://example.org).")
    'markdown'
    >>> sniff_format("Title\\n\\nJust words, one paragraph.")
    'text'
    """
    from ..parsing.html import looks_like_html

    if looks_like_html(text):
        return "html"
    if _MARKDOWN_SIGNS.search(text[:20000]):
        return "markdown"
    return "text"


def decode_page(data: bytes, declared: str | None, name: str) -> str:
    """An HTML page's text: BOM, then the HTTP charset, then <meta charset>, each only
    when the bytes agree; else UTF-8, else the detected encoding (charset_normalizer).

    Valid UTF-8 with non-ASCII bytes is taken as UTF-8 whatever the page declares: pages
    that declare Latin-1 and are UTF-8 are common, and the reverse never decodes cleanly.
    """
    marked = unicode_bom(data)
    if b"\x00" in data[:4096] and marked is None:
        raise InputError(f"{name} looks like a binary file, not a web page; give an HTML, text or Markdown article")
    if marked is not None:
        return _finish(data.decode(marked[0], errors="replace"), name)
    try:
        text = data.decode("utf-8")
        if any(byte >= 0x80 for byte in data):
            return _finish(text, name)
    except UnicodeDecodeError:
        text = None
        # A saved page often cuts one character in two; text that is otherwise UTF-8 is
        # UTF-8 (Latin-1 or cp1252 text fails at nearly every accented letter instead).
        lenient = data.decode("utf-8", errors="replace")
        if lenient.count("\ufffd") * 50 <= sum(byte >= 0x80 for byte in data):
            return _finish(lenient, name)
    meta = _META_CHARSET.search(data[:4096])
    for candidate in (declared, meta.group(1).decode("ascii") if meta else None):
        encoding = _codec(candidate)
        if encoding and encoding not in ("utf-8", "utf-16"):
            try:
                return _finish(data.decode(encoding), name)
            except UnicodeDecodeError:
                pass  # mis-declared: detect instead
    if text is not None:
        return _finish(text, name)
    return _finish(_detected(data, name), name)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        found = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # Browsers read "latin-1" and "ascii" as Windows-1252 (the WHATWG encoding standard).
    return {"iso8859-1": "cp1252", "ascii": "cp1252", "latin-1": "cp1252"}.get(found, found)


def _detected(data: bytes, name: str) -> str:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, errors="replace")
    except ImportError:
        pass
    return decode_text(data, name)


def _finish(text: str, name: str) -> str:
    if not text.strip():
        raise InputError(f"{name} is empty; there is nothing to say")
    if text.count("\ufffd") > max(20, len(text) // 100):
        raise InputError(f"{name} looks like a binary file, not a web page; give an HTML, text or Markdown article")
    return text


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """A file's bytes with the same checks and messages as text articles (bounded
    whatever the file is: see ``files.read_bounded``)."""
    data = read_bounded(path, max_bytes)
    if not data.strip():
        raise InputError(f"{path} is empty; there is nothing to say")
    return data


def _read_stdin(stream: BinaryIO, max_bytes: int) -> Source:
    """Standard input, at most ``max_bytes``; its format is told from its content."""
    if getattr(stream, "isatty", lambda: False)():
        raise InputError("'-' reads the article from standard input, but nothing is piped in; e.g. pbpaste | audio-articles convert - -o x.mp3")
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(
            f"standard input is over the {format_size(max_bytes)} limit; raise it with --max-size (e.g. --max-size 100MB)"
        )
    if not data.strip():
        raise InputError("standard input is empty; there is nothing to say")
    head = data[:4096].decode("utf-8", errors="replace")
    from ..parsing.html import looks_like_html

    if looks_like_html(head):
        return Source(decode_page(data, None, "standard input"), Origin("stdin", STDIN, format="html"))
    if b"\x00" in data and unicode_bom(data) is None:
        raise InputError("standard input looks like binary data, not text; pipe in text, Markdown or HTML")
    text = clean_text(decode_text(data, "standard input"))
    return Source(text, Origin("stdin", STDIN, format=sniff_format(text)))


def _from_page(page: FetchedPage) -> Source:
    kind = {"text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown"}.get(page.content_type, "html")
    if kind == "html":
        text = decode_page(page.data, page.charset, page.url)
    else:
        text = clean_text(decode_text(page.data, page.url))
        if kind == "text" and _MARKDOWN_SIGNS.search(text[:20000]):
            kind = "markdown"
    return Source(text, Origin("url", page.url, url=page.final_url, format=kind, cached=page.cached))

