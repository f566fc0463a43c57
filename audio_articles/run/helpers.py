"""Processes started before a long article is even read: the speech workers.

This module imports no audio code, so the command line can start the workers first and
let them boot on the other core while this process loads the rest of the program, reads
the article and plans its speech.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..speech.engines import Engine
from ..speech.render import POOL_MIN_CHARS, SpeechPool


@dataclass
class Helpers:
    """The processes one conversion starts for itself (none, for a short article)."""

    pool: SpeechPool | None = None

    @classmethod
    def start(cls, source: Path, engine: Engine | str, cores: int) -> Helpers:
        """Helpers for ``source`` when it is long and there are cores to share; else none.

        Only a named engine can run in other processes (an instance lives in this one)."""
        try:
            long = source.stat().st_size >= POOL_MIN_CHARS
        except OSError:
            return cls()  # reading the article reports it
        if not long or cores < 2 or not isinstance(engine, str):
            return cls()
        return cls(SpeechPool(engine, cores).warm())

    def close_pool(self) -> None:
        """Stop the speech workers (their memory is better spent on the encoders)."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def __enter__(self) -> Helpers:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self.pool is not None:
            self.pool.close(cancel=True)
