"""One web page by URL: a single GET, bounded in time and size, cached for offline re-runs.

Only the page the user named is fetched: no images, scripts, styles or linked pages. The
raw bytes and the response's content type are kept in the user cache folder, keyed by
the URL, so ``preview``, ``inspect`` and later runs read the same page without the
network (``--offline`` refuses to fetch a page that is not cached).
"""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import FetchError
from ..units import format_size

TIMEOUT_S = 20.0
"""Longest wait for the whole page (connect, headers and body)."""
MAX_PAGE_BYTES = 10 * 1024 * 1024
"""Largest page read: article pages are well under 2 MB; beyond this is not an article."""
MAX_REDIRECTS = 5
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown")
"""Content types read as an article; anything else (PDF, images, JSON) is refused."""


def user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("audio-articles")
    except PackageNotFoundError:
        number = "dev"
    return f"audio-articles/{number} (article-to-audio converter; one page per request)"


@dataclass(frozen=True)
class FetchedPage:
    """A page as the server sent it."""

    url: str
    """The URL the user gave."""
    final_url: str
    """Where redirects led."""
    data: bytes
    content_type: str
    """Media type without parameters, e.g. "text/html"."""
    charset: str | None
    """The charset the HTTP header declared, if any."""
    cached: bool = False


def page_cache_dir() -> Path:
    """Fetched pages live beside the clip cache, so ``cache clear`` removes them too."""
    from ..speech.cache import default_cache_dir

    return default_cache_dir() / "pages"


def _cache_path(url: str, folder: Path) -> Path:
    return folder / hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def fetch_page(
    url: str,
    *,
    offline: bool = False,
    cache_dir: Path | None = None,
    timeout: float = TIMEOUT_S,
    max_bytes: int = MAX_PAGE_BYTES,
) -> FetchedPage:
    """The page at ``url``: from the cache when it has it, else one GET (unless ``offline``).

    Every failure is a FetchError whose message says what happened and what to try.
    """
    folder = cache_dir or page_cache_dir()
    cached = _read_cache(url, folder)
    if cached is not None:
        return cached
    if offline:
        raise FetchError(f"{url} is not in the page cache and --offline forbids fetching it; run once without --offline")
    page = _get(url, timeout, max_bytes)
    _write_cache(page, folder)
    return page


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS
    max_repeats = 1


def _get(url: str, timeout: float, max_bytes: int) -> FetchedPage:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent(), "Accept": "text/html,text/plain;q=0.9,*/*;q=0.1"})
    opener = urllib.request.build_opener(_LimitedRedirects())
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            final_url = response.geturl()
            if content_type not in PAGE_TYPES:
                raise FetchError(
                    f"{url} is {_describe_type(content_type)}, not a web page; "
                    "give the address of an article page (or save the file and convert its text)"
                )
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(_too_large(url, int(length), max_bytes))
            data = _read_bounded(response, url, max_bytes, deadline, timeout)
    except FetchError:
        raise
    except urllib.error.HTTPError as err:
        raise FetchError(_http_message(url, err)) from None
    except urllib.error.URLError as err:
        raise FetchError(_network_message(url, err.reason)) from None
    except (TimeoutError, socket.timeout):
        raise FetchError(_timeout(url, timeout)) from None
    except (OSError, ValueError) as err:  # connection reset, malformed URL or response
        raise FetchError(f"{url} could not be fetched ({err}); check the address and the network") from None
    return FetchedPage(url, final_url, data, content_type, charset)


def _read_bounded(response, url: str, max_bytes: int, deadline: float, timeout: float) -> bytes:
    """The body, refusing more than ``max_bytes`` or a trickle past the deadline."""
    chunks, total = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError(_timeout(url, timeout))
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(_too_large(url, total, max_bytes, at_least=True))
        chunks.append(chunk)


def _describe_type(content_type: str) -> str:
    names = {"application/pdf": "a PDF document", "application/json": "JSON data"}
    if content_type in names:
        return f"{names[content_type]} ({content_type})"
    kind = content_type.split("/")[0]
    return f"{'an ' + kind if kind in ('image', 'audio', 'video') else 'a file'} of type {content_type}"


def _too_large(url: str, size: int, limit: int, at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return f"{url} is {more}{format_size(size)}, over the {format_size(limit)} page limit; this is not an article page"


def _timeout(url: str, timeout: float) -> str:
    return f"{url} did not answer within {timeout:g} s; try again later or check the network"


def _http_message(url: str, err: urllib.error.HTTPError) -> str:
    if 300 <= err.code < 400:
        return f"{url} redirects too many times (or in a loop); open it in a browser to find the article's address"
    hint = {
        401: "the page needs a login; save it from your browser and convert the file",
        403: "the site refuses automated requests; save the page from your browser and convert the file",
        404: "check the address",
        410: "the page was removed",
        429: "the site asks to slow down; try again later",
    }.get(err.code, "the site has a problem; try again later" if err.code >= 500 else "check the address")
    return f"{url} answered HTTP {err.code} {err.reason}; {hint}"


def _network_message(url: str, reason) -> str:
    if isinstance(reason, socket.gaierror):
        return f"{url}: the host name could not be found (DNS); check the address and the network connection"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"{url} did not answer in time; try again later or check the network"
    if isinstance(reason, ssl.SSLError):
        return f"{url}: the secure connection failed ({reason.reason or reason}); check the address"
    if isinstance(reason, ConnectionRefusedError):
        return f"{url}: the connection was refused; check the address or try again later"
    return f"{url} could not be fetched ({reason}); check the address and the network"


def _read_cache(url: str, folder: Path) -> FetchedPage | None:
    path = _cache_path(url, folder)
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        data = path.with_suffix(".page").read_bytes()
    except (OSError, ValueError):
        return None
    return FetchedPage(url, meta.get("final_url", url), data, meta.get("content_type", "text/html"), meta.get("charset"), True)


def _write_cache(page: FetchedPage, folder: Path) -> None:
    """Best effort: a cache that cannot be written only costs a fetch next time."""
    path = _cache_path(page.url, folder)
    meta = {"url": page.url, "final_url": page.final_url, "content_type": page.content_type, "charset": page.charset,
            "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".page.part")
        temp.write_bytes(page.data)
        temp.replace(path.with_suffix(".page"))
        path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    except OSError:
        pass
