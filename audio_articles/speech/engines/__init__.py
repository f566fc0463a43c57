"""Speech engines, created by name so worker processes can build their own."""

from __future__ import annotations

from .base import Engine, VoiceInfo, read_clip

__all__ = ["Engine", "VoiceInfo", "create_engine", "read_clip", "ENGINES"]

ENGINES = ("pyttsx3", "fake")


def create_engine(name: str = "pyttsx3") -> Engine:
    """A new engine instance; heavy imports happen here, not at module import."""
    if name == "pyttsx3":
        from .pyttsx3_engine import Pyttsx3Engine

        return Pyttsx3Engine()
    if name == "fake":
        from .fake import FakeEngine

        return FakeEngine()
    from ...errors import InputError

    raise InputError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
