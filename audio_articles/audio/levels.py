"""Each clip's loudness measurement, taken once and kept beside the clip.

A clip is measured the moment it is ready, while the speech workers render the next
clips. The result is stored next to the clip (``abc….levels`` beside ``abc….wav`` in the
clip cache), so a clip taken from the cache is not measured again: a warm conversion
reads each clip once, to encode it.

The stored form is one NumPy array: a header (format, frames, rate, bounds, peaks) and
then the energies. A file that does not match its clip (another length or rate, an older
format, damage) is ignored and the clip measured again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..model import Clip
from ..speech.cache import LEVELS_SUFFIX
from .loudness import ClipLevels, measure_clip

FORMAT = 1
"""First value of every stored measurement; raised when what is measured changes, so
older files are measured again rather than trusted."""
_HEADER = 9
"""format, frames, rate, keep_start, keep_end, loud_start, loud_end, true_peak, sample_peak"""


def levels_path(clip: Clip) -> Path:
    """Where a clip's measurement is kept."""
    return clip.path.with_suffix(LEVELS_SUFFIX)


def load_levels(clip: Clip) -> ClipLevels | None:
    """The stored measurement of ``clip``, or None when there is none that fits it."""
    try:
        with open(levels_path(clip), "rb") as handle:
            data = np.load(handle, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if data.ndim != 1 or data.dtype != np.float64 or len(data) <= _HEADER:
        return None
    if (data[0], data[1], data[2]) != (FORMAT, clip.frames, clip.sample_rate):
        return None
    keep_start, keep_end, loud_start, loud_end = (int(value) for value in data[3:7])
    return ClipLevels(
        clip.frames, clip.sample_rate, keep_start, keep_end, loud_start, loud_end,
        data[_HEADER:], float(data[7]), float(data[8]),
    )  # fmt: skip


def save_levels(clip: Clip, levels: ClipLevels) -> None:
    """Store a measurement beside its clip (atomically). Best effort: one that cannot be
    stored (read-only cache, full disk) is simply taken again next time."""
    path = levels_path(clip)
    temp = path.with_name(f".{path.stem}.{os.getpid()}{LEVELS_SUFFIX}")
    header = [FORMAT, levels.frames, levels.sample_rate, *levels.bounds, levels.true_peak, levels.sample_peak]
    try:
        with open(temp, "wb") as handle:
            np.save(handle, np.concatenate([np.array(header, dtype=np.float64), levels.energies]))
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()


def measured(clip: Clip) -> ClipLevels:
    """The levels of ``clip``: stored beside it, or measured now and stored."""
    levels = load_levels(clip)
    if levels is None:
        levels = measure_clip(clip)
        save_levels(clip, levels)
    return levels


class Measurer:
    """Measures clips as they become ready; ``finish`` hands them back with their levels.

    The measuring happens here, in the process that waits for the speech workers, while
    they render the next clips (≈ 1.1 s of CPU an hour, a third of the speech's). A helper
    process for it cost more than it saved: its start-up and imports took half as long
    again as the measuring itself.
    """

    def __init__(self) -> None:
        self._levels: dict[Path, ClipLevels] = {}

    def start(self, clip: Clip) -> None:
        """Measure ``clip`` now (nothing to do when its levels are known or stored)."""
        if clip.levels is None and clip.path not in self._levels:
            self._levels[clip.path] = measured(clip)

    def finish(self, clips: Sequence[Clip]) -> list[Clip]:
        """``clips`` with their levels (those not yet measured are measured now)."""
        for clip in clips:
            self.start(clip)
        return [clip if clip.levels is not None else replace(clip, levels=self._levels[clip.path]) for clip in clips]
