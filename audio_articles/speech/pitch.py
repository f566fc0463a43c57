"""A voice pitched up or down, so one neural voice can also be a second speaker.

A Piper voice has no pitch control: the model decides its intonation. To read quotations
in "somebody else's" voice without a second voice package, the clip is shifted after
synthesis by ffmpeg's ``rubberband`` filter (the Rubber Band library, which keeps the
length and shifts formants with the pitch, so the speaker sounds smaller or larger, not
just higher). An ffmpeg built without it gets the classic resample-and-stretch chain
(``asetrate`` + ``atempo`` + ``aresample``): also a formant shift, slightly less clean.
Which one ran is part of the clip cache key (``shift_identity``).
"""

from __future__ import annotations

import functools
import subprocess

import numpy as np

from ..errors import AudioError

SHIFT_RANGE = (0.5, 2.0)
"""Allowed ``pitch_shift`` factors: an octave down to an octave up."""


@functools.cache
def shifter() -> str:
    """"rubberband" when this ffmpeg has the filter, else "asetrate"."""
    from ..audio.encode import ffmpeg

    listing = subprocess.run(
        [ffmpeg(), "-hide_banner", "-filters"], capture_output=True, text=True, check=False
    ).stdout
    return "rubberband" if any(line.split()[1:2] == ["rubberband"] for line in listing.splitlines()) else "asetrate"


def shift_identity(factor: float) -> str:
    """What a shift adds to the cache key: the factor's method ("" when there is no shift)."""
    return "" if factor == 1.0 else f"pitch-{shifter()}"


def shift_filter(factor: float, rate: int, method: str) -> str:
    """The ffmpeg filter chain that multiplies pitch by ``factor`` and keeps the length.

    >>> shift_filter(1.3, 22050, "rubberband")
    'rubberband=pitch=1.3:formant=shifted:pitchq=quality'
    >>> shift_filter(1.25, 22050, "asetrate")
    'asetrate=27562.5,atempo=0.8,aresample=22050'
    """
    if method == "rubberband":
        return f"rubberband=pitch={factor:g}:formant=shifted:pitchq=quality"
    return f"asetrate={rate * factor:g},atempo={1 / factor:g},aresample={rate}"


def shift_pitch(samples: np.ndarray, rate: int, factor: float) -> np.ndarray:
    """``samples`` (float, mono, at ``rate``) with pitch × ``factor``, same length."""
    if factor == 1.0 or samples.size == 0:
        return samples
    from ..audio.encode import ffmpeg

    raw = ["-f", "f32le", "-ac", "1", "-ar", str(rate)]
    command = [ffmpeg(), "-v", "error", *raw, "-i", "pipe:0", "-af", shift_filter(factor, rate, shifter()), *raw, "pipe:1"]
    done = subprocess.run(command, input=samples.astype("<f4").tobytes(), capture_output=True, check=False)
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AudioError(f"ffmpeg failed to shift a clip's pitch: {last[-1] if last else done.returncode}")
    shifted = np.frombuffer(done.stdout, dtype="<f4").astype(np.float64)
    # Both filters keep the length up to a few milliseconds of edge: make it exact, so a
    # clip's length does not depend on the method.
    out = np.zeros(samples.size)
    out[: min(samples.size, shifted.size)] = shifted[: samples.size]
    return out
