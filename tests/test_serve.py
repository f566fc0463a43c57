"""``audio-articles serve``: byte ranges (206 Partial Content), so players seek."""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.request

import pytest

from audio_articles.serve import feed_server


@pytest.fixture
def server(tmp_path):
    (tmp_path / "episodes").mkdir()
    data = bytes(range(256)) * 40
    (tmp_path / "episodes" / "a.m4b").write_bytes(data)
    running = feed_server(tmp_path, "127.0.0.1", 0)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running.url, data
    running.shutdown()
    running.server_close()


def fetch(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_a_range_request_gets_206_and_exactly_those_bytes(server):
    url, data = server
    status, headers, body = fetch(url + "episodes/a.m4b", Range="bytes=1000-1999")
    assert status == 206 and body == data[1000:2000]
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert headers["Content-Type"] == "audio/mp4"
    status, headers, body = fetch(url + "episodes/a.m4b", Range="bytes=-100")
    assert status == 206 and body == data[-100:]
    status, headers, body = fetch(url + "episodes/a.m4b", Range=f"bytes={len(data)}-")
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(data)}"
    status, headers, body = fetch(url + "episodes/a.m4b")
    assert status == 200 and body == data and headers["Accept-Ranges"] == "bytes"


def test_serve_command_prints_its_address_and_serves(tmp_path):
    (tmp_path / "index.html").write_text("<p>hello</p>", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "audio_articles", "serve", str(tmp_path), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert fetch(url + "index.html", Range="bytes=3-7")[2] == b"hello"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serving_a_missing_folder_is_one_line_exit_2(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "audio_articles", "serve", str(tmp_path / "nope")], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "no such folder" in run.stderr
