"""The one error family callers need to catch.

Every message says what failed, the probable cause and what to do; the CLI prints it as
one line on stderr and exits with the error's ``exit_code``.
"""

from __future__ import annotations


class AudioArticlesError(Exception):
    """Base class: a failure with a message fit for the user."""

    exit_code = 1

    @staticmethod
    def with_exit_code(message: str, exit_code: int) -> AudioArticlesError:
        """An error of the class that exits with ``exit_code`` (a failure sent back from a
        worker process carries only its message and code)."""
        for kind in (InputError, MissingToolError, OutputError):
            if kind.exit_code == exit_code:
                return kind(message)
        return AudioArticlesError(message)

    def about(self, what: object) -> AudioArticlesError:
        """The same error, of the same class, saying which article or file it concerns."""
        return type(self)(f"{what}: {self}")


class InputError(AudioArticlesError):
    """The input file or the options are unusable (missing, empty, binary, out of range)."""

    exit_code = 2


class ProfileError(InputError):
    """A voice profile is missing, malformed or names a voice the engine lacks."""


class FetchError(AudioArticlesError):
    """A URL could not be fetched: DNS failure, HTTP error, timeout, too many redirects,
    not a web page, too large, or not in the cache with ``--offline``."""

    exit_code = 5


class MissingToolError(AudioArticlesError):
    """A system program (ffmpeg, espeak-ng) is not installed."""

    exit_code = 3


class EngineError(AudioArticlesError):
    """The speech engine failed, hung or wrote no audio."""

    exit_code = 1


class AudioError(AudioArticlesError):
    """Assembling or encoding the audio failed."""

    exit_code = 1


class OutputError(AudioArticlesError):
    """The output could not be written (unwritable folder, disk full)."""

    exit_code = 4


MISSING_TOOL_HINTS = {
    "ffmpeg": (
        "install ffmpeg: 'sudo apt-get install ffmpeg' (Debian/Ubuntu), "
        "'brew install ffmpeg' (macOS), 'winget install ffmpeg' (Windows)"
    ),
    "espeak-ng": (
        "install espeak-ng: 'sudo apt-get install espeak-ng libespeak-ng1' (Debian/Ubuntu), "
        "'brew install espeak-ng' (macOS); on Windows pyttsx3 uses the built-in SAPI5 voices"
    ),
}


def missing_tool(name: str) -> MissingToolError:
    """The error for a system program that is not on PATH."""
    return MissingToolError(f"{name} is not installed; {MISSING_TOOL_HINTS[name]}")


EXIT_CODES = {
    0: "success",
    AudioArticlesError.exit_code: "rendering or encoding failed",
    InputError.exit_code: "bad input or usage (missing, empty or binary file, bad option, bad voice profile)",
    MissingToolError.exit_code: "a required program (ffmpeg, espeak-ng) or optional extra is missing",
    OutputError.exit_code: "the output could not be written (unwritable folder, disk full)",
    FetchError.exit_code: "a URL could not be fetched (host not found, HTTP error, timeout, not a web page)",
    130: "interrupted (Ctrl-C)",
    143: "terminated (SIGTERM)",
}
"""What each exit code of the command line means (the README's table says the same)."""
