"""Speech engines: the registry (one ``register`` line each) and engines created by name,
so worker processes can build their own."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ...errors import InputError
from ...model import Voice
from .base import Engine, VoiceInfo, read_clip

__all__ = ["ENGINES", "Engine", "EngineSet", "EngineSpec", "VoiceInfo", "create_engine", "engine_spec", "read_clip"]


@dataclass(frozen=True)
class EngineSpec:
    """Everything the rest of the program needs to know of an engine, in one place."""

    name: str
    """What ``--engine`` and a profile's ``engine =`` call it."""
    module: str
    """Its module in this package, imported only when an engine is created (heavy imports)."""
    factory: str
    """The class (or function) in ``module`` that makes an engine."""
    tools: tuple[str, ...] = ()
    """System programs its worker processes need, besides ffmpeg."""
    catalogue: bool = True
    """Whether voice names are checked against its voice list (Piper names a voice by its
    model instead, and checks it itself)."""
    variants: str | None = None
    """A function in ``module`` giving the variants a voice id may add ("voice+variant")."""

    def load(self, attribute: str):
        return getattr(importlib.import_module(f"{__name__}.{self.module}"), attribute)


REGISTRY: dict[str, EngineSpec] = {}


def register(spec: EngineSpec) -> None:
    """Make an engine known by its name: adding an engine is a module and one such line."""
    REGISTRY[spec.name] = spec


register(EngineSpec("pyttsx3", "pyttsx3_engine", "Pyttsx3Engine", tools=("espeak-ng",), variants="espeak_variants"))
register(EngineSpec("piper", "piper_engine", "PiperEngine", catalogue=False))
register(EngineSpec("fake", "fake", "FakeEngine"))
ENGINES = tuple(REGISTRY)


def engine_spec(name: str) -> EngineSpec:
    """The registered engine called ``name``; InputError naming the others."""
    if name not in REGISTRY:
        raise InputError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
    return REGISTRY[name]


def create_engine(name: str = "pyttsx3") -> Engine:
    """A new engine instance; heavy imports happen here, not at module import."""
    return engine_spec(name).load(engine_spec(name).factory)()


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
        voice_identity = engine.voice_identity(voice)  # engines with voice files: the file's hash
        base = self._identities[engine.name]
        return f"{base}/{voice_identity}" if voice_identity else base
