"""Speech engines, created by name so worker processes can build their own."""

from __future__ import annotations

from ...model import Voice
from .base import Engine, VoiceInfo, read_clip

__all__ = ["Engine", "EngineSet", "VoiceInfo", "create_engine", "read_clip", "ENGINES"]

ENGINES = ("pyttsx3", "piper", "fake")


def create_engine(name: str = "pyttsx3") -> Engine:
    """A new engine instance; heavy imports happen here, not at module import."""
    if name == "pyttsx3":
        from .pyttsx3_engine import Pyttsx3Engine

        return Pyttsx3Engine()
    if name == "piper":
        from .piper_engine import PiperEngine

        return PiperEngine()
    if name == "fake":
        from .fake import FakeEngine

        return FakeEngine()
    from ...errors import InputError

    raise InputError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")


class EngineSet:
    """The run's engine plus any other engine a voice names, each created once, when first
    needed: a profile may speak the body with Piper and quotations with espeak-ng."""

    def __init__(self, default: Engine | str = "pyttsx3") -> None:
        self.default_name = default if isinstance(default, str) else default.name
        self._engines: dict[str, Engine] = {} if isinstance(default, str) else {default.name: default}
        self._identities: dict[str, str] = {}

    def for_voice(self, voice: Voice) -> Engine:
        """The engine that speaks ``voice`` (its own, or the run's when it names none)."""
        name = voice.engine or self.default_name
        if name not in self._engines:
            self._engines[name] = create_engine(name)
        return self._engines[name]

    def identity(self, voice: Voice) -> str:
        """The engine's identity for the cache key; with Piper it includes the voice files' hashes
        (looked up on every call: a set may serve many articles while a voice file is replaced)."""
        engine = self.for_voice(voice)
        if engine.name not in self._identities:
            self._identities[engine.name] = engine.identity()
        voice_identity = getattr(engine, "voice_identity", None)  # engines with voice files
        base = self._identities[engine.name]
        return f"{base}/{voice_identity(voice)}" if voice_identity else base
