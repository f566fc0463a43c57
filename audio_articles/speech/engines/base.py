"""The engine interface: anything that turns text into a mono 16-bit WAV file."""

from __future__ import annotations

import ctypes
import functools
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ...errors import EngineError
from ...model import Clip, Voice


@functools.cache
def c_library():
    """This process's C library through ctypes (its symbols, as the process sees them), or
    None where it cannot be opened; what it offers differs (``prctl`` and ``malloc_trim``
    are Linux and glibc only)."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


@dataclass(frozen=True)
class VoiceInfo:
    """A voice the engine really has."""

    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None = None


class Engine(Protocol):
    """A speech engine. One instance per process; not shared between threads.

    Engines subclass this, so the optional methods have their defaults here."""

    name: str
    """Short name, e.g. "pyttsx3"."""

    def identity(self) -> str:
        """Engine and version, part of every cache key (new engine -> new clips)."""
        ...

    def voices(self) -> list[VoiceInfo]:
        """The voices installed for this engine."""
        ...

    def synthesize(self, text: str, voice: Voice, path: Path) -> Clip:
        """Speak ``text`` with ``voice`` into a WAV file at ``path`` (replaced atomically)."""
        ...

    streams: bool = False
    """Whether ``stream`` hands out each sentence's samples as soon as it is spoken (Piper),
    so a preview can play while the rest renders."""
    output_rate: int | None = None
    """The rate of every clip, when the engine fixes it (Piper resamples to one)."""

    def warm(self) -> None:
        """Get ready to speak (load libraries, voices) before the first clip is asked for."""

    def warm_voice(self, voice: Voice) -> None:
        """Load ``voice`` ahead of its first clip (a preview does it while it plans)."""

    def stream(self, text: str, voice: Voice, path: Path, emit) -> Clip:
        """``synthesize``, telling ``emit`` the samples (float) as they are spoken; engines
        that do not speak sentence by sentence (``streams`` False) emit nothing."""
        return self.synthesize(text, voice, path)

    def voice_identity(self, voice: Voice) -> str:
        """What besides the engine's identity decides a voice's sound (its model file's
        hash, for engines that speak from voice files); part of the cache key."""
        return ""


def read_clip(path: Path, cached: bool = False) -> Clip:
    """Check a WAV file is a non-empty mono 16-bit clip and describe it."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate, frames = (
                wav.getnchannels(),
                wav.getsampwidth(),
                wav.getframerate(),
                wav.getnframes(),
            )
    except (OSError, EOFError, wave.Error) as err:
        raise EngineError(f"the engine wrote no usable audio to {path.name} ({err})") from None
    if channels != 1 or width != 2 or frames == 0:
        raise EngineError(
            f"the engine wrote an unusable clip {path.name} ({channels} channels, {8 * width}-bit, {frames} frames)"
        )
    return Clip(path=path, sample_rate=rate, frames=frames, cached=cached)
