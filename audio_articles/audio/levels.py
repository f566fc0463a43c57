"""Each clip's loudness measurement, taken once and kept beside the clip.

A clip is measured the moment it is ready, while the speech workers render the next
clips, so on a machine with cores to spare the measurement costs no time of its own. The
result is stored next to the clip (``abc….levels`` beside ``abc….wav`` in the clip
cache), so a clip taken from the cache is not measured again: a warm conversion reads
each clip once, to encode it.

The stored form is one NumPy array: a header (format, frames, rate, bounds, peaks) and
then the energies. A file that does not match its clip (another length or rate, an older
format, damage) is ignored and the clip measured again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..errors import AudioError
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


def _load_measuring() -> None:
    import scipy.signal  # noqa: F401  (its import is most of a short clip's measuring time)


def _measure_and_store(clip: Clip) -> ClipLevels:
    levels = measure_clip(clip)
    save_levels(clip, levels)
    return levels


class Measurer:
    """Measures clips as they become ready; ``finish`` hands them back with their levels.

    With ``separate``, the measuring happens in one helper process, started when the
    first clip needs it and stopped by ``finish``: its imports (SciPy, ≈ 70 MB) then never
    weigh on this process, which lives on through the encoding of a long programme, and it
    runs beside the speech workers. Otherwise clips are measured here, at once.
    """

    def __init__(self, separate: bool = False) -> None:
        self.separate = separate
        self._helper: ProcessPoolExecutor | None = None
        self._levels: dict[Path, ClipLevels | Future] = {}

    def start(self, clip: Clip) -> None:
        """Begin measuring ``clip`` (nothing to do when its levels are known or stored)."""
        if clip.levels is not None or clip.path in self._levels:
            return
        stored = load_levels(clip)
        if stored is not None:
            self._levels[clip.path] = stored
        elif self.separate:
            self._levels[clip.path] = self._start_helper().submit(_measure_and_store, clip)
        else:
            self._levels[clip.path] = _measure_and_store(clip)

    def warm(self) -> Measurer:
        """Start the helper and its imports now (with ``separate``), before any clip is ready."""
        if self.separate:
            self._start_helper().submit(_load_measuring)
        return self

    def _start_helper(self) -> ProcessPoolExecutor:
        if self._helper is None:
            from ..speech.render import pool_context

            self._helper = ProcessPoolExecutor(max_workers=1, mp_context=pool_context())
        return self._helper

    def finish(self, clips: Sequence[Clip]) -> list[Clip]:
        """``clips`` with their levels, once all are measured; the helper is stopped."""
        try:
            for clip in clips:
                self.start(clip)
            found = {path: item.result() if isinstance(item, Future) else item for path, item in self._levels.items()}
        except BrokenProcessPool:
            raise AudioError("the process measuring loudness stopped; run again (finished clips are kept)") from None
        finally:
            self.close()
        return [clip if clip.levels is not None else replace(clip, levels=found[clip.path]) for clip in clips]

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True, cancel_futures=True)
            self._helper = None

    def __enter__(self) -> Measurer:
        return self

    def __exit__(self, *error) -> None:
        self.close()
