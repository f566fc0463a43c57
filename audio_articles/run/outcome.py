"""The one record of an article that could not be made, wherever it was rendered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import AudioArticlesError


@dataclass(frozen=True)
class Failure:
    """An article that could not be converted: the message the user sees and its exit code."""

    source: Path | None
    """The article (None where a worker does not know its path)."""
    message: str
    exit_code: int

    @classmethod
    def of(cls, source: Path | None, error: AudioArticlesError) -> Failure:
        return cls(source, str(error), error.exit_code)

    def error(self) -> AudioArticlesError:
        """The failure raised again as the error it was (same message, same exit code)."""
        return AudioArticlesError.with_exit_code(self.message, self.exit_code)
