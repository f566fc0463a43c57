"""Shared fixtures. Every test gets its own clip cache, so nothing leaks between tests
or into the user's cache folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The test run tries the same examples every time (a failure found by `make fuzz` is kept
# as an @example), so a run never fails on a case the previous one did not try.
settings.register_profile("default", max_examples=100, deadline=None, derandomize=True)
settings.register_profile(
    "fuzz", max_examples=20000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

DATA = Path(__file__).parent / "data"
SAMPLES = Path(__file__).parent.parent / "samples"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch) -> Path:
    """A fresh clip cache and config folder for each test."""
    root = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("AUDIO_ARTICLES_CACHE", str(root))
    monkeypatch.setenv("AUDIO_ARTICLES_CONFIG", str(tmp_path_factory.mktemp("config")))
    # Prepared Piper models: one folder for the session (the natural voice is prepared once).
    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path_factory.getbasetemp() / "models"))
    # The commands tests start keep their scratch folders here: a run killed with SIGKILL
    # (on purpose) cannot remove its own, and pytest clears old base folders.
    scratch = tmp_path_factory.getbasetemp() / "scratch"
    scratch.mkdir(exist_ok=True)
    monkeypatch.setenv("TMPDIR", str(scratch))
    return root


@pytest.fixture
def fake_engine():
    """The deterministic tone engine, recording its calls."""
    from audio_articles.speech.engines.fake import FakeEngine

    return FakeEngine()

