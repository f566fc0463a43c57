"""Readers used by the tests: ffprobe, ffmpeg decoding and a pitch estimate.

They check what the project writes with tools that are not the project's own.
"""

from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import numpy as np


def ffprobe_chapters(path: Path) -> list[dict]:
    """Chapters as ffprobe lists them: dicts with start/end seconds and title."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [
        {"start": float(c["start_time"]), "end": float(c["end_time"]), "title": c.get("tags", {}).get("title")}
        for c in json.loads(out)["chapters"]
    ]


def ffprobe_format(path: Path) -> dict:
    """ffprobe's format section (duration, bit_rate, tags) plus the first stream."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    data = json.loads(out)
    return {**data["format"], "stream": data["streams"][0]}


def decode(path: Path, rate: int = 22050) -> np.ndarray:
    """Decode any audio file to mono float samples in [-1, 1] with ffmpeg."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
        return data, wav.getframerate()


def rms_db(samples: np.ndarray) -> float:
    """Root-mean-square level in dBFS (−inf for digital silence)."""
    if samples.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(samples**2)))
    return 20 * np.log10(rms) if rms > 0 else float("-inf")


def median_f0(samples: np.ndarray, rate: int, low: float = 60.0, high: float = 500.0) -> float:
    """Median fundamental frequency (Hz) over voiced 40 ms frames, by autocorrelation."""
    frame = int(0.04 * rate)
    lags = np.arange(int(rate / high), int(rate / low))
    estimates = []
    for start in range(0, len(samples) - frame, frame):
        chunk = samples[start : start + frame]
        chunk = chunk - chunk.mean()
        energy = float(np.dot(chunk, chunk))
        if energy < 1e-3 * frame * 0.01:  # skip quiet frames
            continue
        corr = np.correlate(chunk, chunk, mode="full")[frame - 1 :]
        best = lags[np.argmax(corr[lags])]
        if corr[best] / energy > 0.5:  # clearly periodic: voiced
            estimates.append(rate / best)
    return float(np.median(estimates)) if estimates else 0.0


def audible_frames(path: Path, threshold: float = 0.01) -> int:
    """Frames from the first to the last sample above ``threshold`` (speech without padding)."""
    samples, _ = read_wav(path)
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return int(loud[-1] - loud[0] + 1) if loud.size else 0
