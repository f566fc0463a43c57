"""``audio-articles serve``: a feed folder over HTTP, with byte ranges so players seek.

Python's ``http.server`` answers every request with the whole file, so a browser cannot
seek in an episode (the page's chapter links do nothing) and some podcast apps refuse the
enclosure. ``RangeHandler`` adds single byte ranges (``Range: bytes=a-b`` → 206 Partial
Content), which is all players ask for. Standard library only.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import InputError, OutputError

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

MEDIA_TYPES = {
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".m4b": "audio/mp4", ".opus": "audio/ogg", ".ogg": "audio/ogg",
    ".wav": "audio/wav", ".vtt": "text/vtt", ".json": "application/json", ".xml": "application/rss+xml",
}  # fmt: skip


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte asked for by a single-range ``Range`` header; None when
    it asks for nothing this file has (416), ValueError when it is not one we serve.

    >>> byte_range("bytes=0-99", 1000), byte_range("bytes=900-", 1000), byte_range("bytes=-100", 1000)
    ((0, 99), (900, 999), (900, 999))
    >>> byte_range("bytes=500-2000", 1000), byte_range("bytes=1000-", 1000)
    ((500, 999), None)
    """
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        raise ValueError(header)
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    if start >= size or start > end:
        return None
    return start, end


class RangeHandler(SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` with single byte ranges and podcast media types."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}
    _remaining: int | None = None

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        self._remaining = None
        header = self.headers.get("Range")
        path = self.translate_path(self.path)
        if not header or os.path.isdir(path):
            return super().send_head()
        try:
            file = open(path, "rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        size = os.fstat(file.fileno()).st_size
        try:
            wanted = byte_range(header, size)
        except ValueError:
            file.close()
            return super().send_head()  # not a range we serve: the whole file, as RFC 9110 allows
        if wanted is None:
            file.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        start, end = wanted
        file.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Last-Modified", self.date_time_string(int(os.fstat(file.fileno()).st_mtime)))
        self.end_headers()
        self._remaining = end - start + 1
        return file

    def copyfile(self, source, outputfile) -> None:
        if self._remaining is None:
            return shutil.copyfileobj(source, outputfile)
        left = self._remaining
        while left > 0:
            block = source.read(min(64 * 1024, left))
            if not block:
                break
            outputfile.write(block)
            left -= len(block)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    log: Callable[[str], None] | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"


def feed_server(folder: Path, host: str = "127.0.0.1", port: int = 8000, log: Callable[[str], None] | None = None) -> FeedServer:
    """A server (not yet serving) for ``folder``; port 0 picks a free one."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder; give a feed folder made by 'audio-articles feed'")
    handler = functools.partial(RangeHandler, directory=str(folder))
    try:
        server = FeedServer((host, port), handler)
    except OSError as err:
        raise OutputError(f"cannot serve on {host}:{port}: {err.strerror}; choose another --port or --bind") from None
    server.log = log
    return server
