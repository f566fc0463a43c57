"""On-disk clip cache: a rendered clip is kept under a hash of everything that shaped it.

The key covers the text exactly as sent, the voice settings and the engine with its
version, so changing any of them renders anew and nothing else does. Clips are written
under a temporary name and renamed, so a killed run never leaves a corrupt clip; a clip
that fails the check on read is deleted and rendered again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from ..errors import EngineError
from ..model import Clip, Voice
from .engines.base import read_clip


def default_cache_dir() -> Path:
    """``$AUDIO_ARTICLES_CACHE``, else the user's cache folder."""
    env = os.environ.get("AUDIO_ARTICLES_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("audio-articles")) / "clips"


def clip_key(engine_identity: str, text: str, voice: Voice) -> str:
    """A stable hash of what the engine is asked to do."""
    payload = json.dumps([engine_identity, text, asdict(voice)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ClipCache:
    """Clips stored as ``ROOT/ab/abcdef….wav``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str) -> Clip | None:
        """The cached clip, or None when missing or unusable (then it is removed)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            clip = read_clip(path, cached=True)
        except EngineError:
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # marks it recently used
        except OSError:
            pass
        return clip

    def prepare(self, key: str) -> Path:
        """The path where a new clip for ``key`` should be written (its folder exists)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
