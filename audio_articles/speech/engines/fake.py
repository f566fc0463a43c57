"""A deterministic engine for fast tests: a tone per voice, as long as the text demands.

It records every call, like a mock, so tests can assert which voice each segment got.
"""

from __future__ import annotations

import hashlib
import math
import os
import struct
import wave
from dataclasses import dataclass, field
from pathlib import Path

from ...model import Clip, Voice
from .base import Engine, VoiceInfo, read_clip

SAMPLE_RATE = 22050
MS_PER_CHAR = 8


@dataclass
class FakeCall:
    text: str
    voice: Voice


@dataclass
class FakeEngine(Engine):
    """Writes a sine tone whose pitch follows the voice and whose length follows the text."""

    name: str = "fake"
    calls: list[FakeCall] = field(default_factory=list)
    lead_ms: int = 20
    """Silence the engine leaves before speech, like a real engine."""
    tail_ms: int = 200
    """Silence after speech."""

    def identity(self) -> str:
        return "fake-1"

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo("gmw/en-us", "English (America)", ("en-us",), "male"),
            VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",), "male"),
            VoiceInfo("roa/fr", "French", ("fr-fr",), "male"),
            VoiceInfo("jpx/ja", "Japanese", ("ja",), "male"),
            VoiceInfo("grk/el", "Greek", ("el",), "male"),
        ]

    @staticmethod
    def frequency(voice: Voice) -> float:
        """The tone's pitch in Hz, distinct for each voice id and pitch setting."""
        digest = int(hashlib.sha256(voice.voice.encode()).hexdigest()[:4], 16)
        return 150.0 + digest % 200 + 2.0 * voice.pitch

    def synthesize(self, text: str, voice: Voice, path: Path) -> Clip:
        self.calls.append(FakeCall(text, voice))
        speech_ms = max(50, len(text) * MS_PER_CHAR * 175 // max(voice.rate, 1))
        freq = self.frequency(voice)
        amplitude = 12000 * voice.volume
        speech = (
            int(amplitude * math.sin(2 * math.pi * freq * n / SAMPLE_RATE))
            for n in range(SAMPLE_RATE * speech_ms // 1000)
        )
        lead = [0] * (SAMPLE_RATE * self.lead_ms // 1000)
        tail = [0] * (SAMPLE_RATE * self.tail_ms // 1000)
        samples = [*lead, *speech, *tail]
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with wave.open(str(temp), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(SAMPLE_RATE)
            wav.writeframes(struct.pack(f"<{len(samples)}h", *samples))
        os.replace(temp, path)
        return read_clip(path)
