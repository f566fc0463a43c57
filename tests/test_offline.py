"""No network: the package imports no networking module (but the one that fetches a URL
the user names, loaded only then), and `make test` runs the whole suite where the network
is unreachable (the URL tests serve pages on 127.0.0.1)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "audio_articles"
FETCHER = Path("sources") / "fetch.py"
"""The one module that opens connections: one GET of a URL given as the source (issue 21)."""
SERVER = Path("serve.py")
"""The one module that listens: `audio-articles serve` (issue 25), loaded only by that command."""
# urllib.parse only splits strings; urllib.request and the rest open connections.
NETWORK_MODULES = re.compile(
    r"^\s*(?:import|from)\s+(socket|ssl|urllib\.request|http|requests|httpx|aiohttp|ftplib|smtplib)\b", re.M
)


def test_the_package_imports_no_networking_module():
    offenders = [
        f"{path.relative_to(PACKAGE)}: {match.group(0).strip()}"
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE) not in (FETCHER, SERVER)
        for match in NETWORK_MODULES.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_fetcher_is_loaded_only_for_a_url():
    code = (
        "import sys, audio_articles.cli, audio_articles.convert, audio_articles.feed.build, audio_articles.sources;"
        "print('audio_articles.sources.fetch' in sys.modules, 'urllib.request' in sys.modules,"
        " 'audio_articles.serve' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, check=True)
    assert run.stdout.split() == ["False", "False", "False"]


@pytest.mark.skipif(os.environ.get("AUDIO_ARTICLES_TESTS_OFFLINE") != "1", reason="only under make test")
def test_make_test_really_runs_offline():
    # A network namespace of our own: loopback is the only interface, so no packet can leave.
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    assert [line.split(":")[0].strip() for line in lines] == ["lo"]
