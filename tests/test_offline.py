"""No network: the package imports no networking module, and `make test` runs the whole
suite where the network is unreachable."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "audio_articles"
# urllib.parse only splits strings; urllib.request and the rest open connections.
NETWORK_MODULES = re.compile(
    r"^\s*(?:import|from)\s+(socket|ssl|urllib\.request|http|requests|httpx|aiohttp|ftplib|smtplib)\b", re.M
)


def test_the_package_imports_no_networking_module():
    offenders = [
        f"{path.relative_to(PACKAGE)}: {match.group(0).strip()}"
        for path in PACKAGE.rglob("*.py")
        for match in NETWORK_MODULES.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.skipif(os.environ.get("AUDIO_ARTICLES_TESTS_OFFLINE") != "1", reason="only under make test")
def test_make_test_really_runs_offline():
    # A network namespace of our own: loopback is the only interface, so no packet can leave.
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    assert [line.split(":")[0].strip() for line in lines] == ["lo"]
