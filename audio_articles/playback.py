"""Play an audio file with whichever player the machine has.

``$AUDIO_ARTICLES_PLAYER`` (a command; the file is appended) wins; otherwise the first of
ffplay, paplay, aplay and afplay that is installed and can play the file's type.
Failing to play is not an error: the file is there, and the caller says so.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PLAYER_ENV = "AUDIO_ARTICLES_PLAYER"


@dataclass(frozen=True)
class Player:
    """A command-line audio player."""

    program: str
    arguments: tuple[str, ...] = ()
    suffixes: tuple[str, ...] | None = None
    """File types it plays; None: anything."""


PLAYERS = (
    Player("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error")),
    Player("paplay", (), (".wav",)),
    Player("aplay", ("-q",), (".wav",)),
    Player("afplay"),
)
"""In order of preference."""


@dataclass(frozen=True)
class Playback:
    """How playing went."""

    played: bool
    player: str | None
    """The program used (None when none was found)."""
    problem: str = ""
    """Why it did not play, for the user."""


def player_command(path: Path) -> list[str] | None:
    """The command that plays ``path`` here, or None when no player is installed."""
    custom = os.environ.get(PLAYER_ENV)
    if custom:
        return [*shlex.split(custom), str(path)]
    suffix = path.suffix.lower()
    for player in PLAYERS:
        if player.suffixes is not None and suffix not in player.suffixes:
            continue
        program = shutil.which(player.program)
        if program:
            return [program, *player.arguments, str(path)]
    return None


def play(path: Path) -> Playback:
    """Play ``path`` to the end (Ctrl-C stops it)."""
    command = player_command(path)
    if command is None:
        names = ", ".join(p.program for p in PLAYERS)
        return Playback(False, None, f"no audio player found ({names}); open the file yourself")
    name = Path(command[0]).name
    try:
        finished = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as err:
        return Playback(False, name, f"could not start {name}: {err.strerror}")
    stderr = finished.stderr.decode("utf-8", "replace")
    # ffplay exits 0 even when it found no sound card; it says so on stderr.
    failure = next((line for line in stderr.splitlines() if "failed" in line.lower()), "")
    if finished.returncode != 0 or failure:
        detail = failure or (stderr.strip().splitlines() or [f"exit code {finished.returncode}"])[-1]
        return Playback(False, name, f"{name} could not play it ({detail.strip()})")
    return Playback(True, name)


STREAM_PLAYERS = (
    Player("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error", "-i", "-")),
    Player("aplay", ("-q", "-")),
)
"""Players that read a WAV on standard input, in order of preference."""


def stream_command() -> list[str] | None:
    """The command that plays a WAV from standard input here: ``$AUDIO_ARTICLES_PLAYER``
    with ``-`` for its file, else ffplay or aplay; None when there is none."""
    custom = os.environ.get(PLAYER_ENV)
    if custom:
        return [*shlex.split(custom), "-"]
    for player in STREAM_PLAYERS:
        program = shutil.which(player.program)
        if program:
            return [program, *player.arguments]
    return None


def wav_header(rate: int) -> bytes:
    """The header of a mono 16-bit WAV of unknown length (sizes at their maximum: players
    read on until the stream ends)."""
    import struct

    return (
        b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data" + struct.pack("<I", 0xFFFFFFFF)
    )  # fmt: skip


class StreamPlayer:
    """A player reading a WAV on its standard input, fed as the audio is rendered.

    ``write`` never waits for the player (it plays in real time, far slower than the audio
    is made): a thread hands the queued audio on.
    """

    def __init__(self, command: list[str], rate: int) -> None:
        import queue
        import threading

        self.name = Path(command[0]).name
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._queue.put(wav_header(rate))
        self._feeder = threading.Thread(target=self._feed, name="player-feed", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (data := self._queue.get()) is not None:
                stdin.write(data)
                stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the player ended early (Ctrl-C, no sound card): the file is still written
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def write(self, samples) -> None:
        """Queue float samples (−1 to 1) to be played after the ones before."""
        import numpy as np

        self._queue.put((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())

    def silence(self, milliseconds: int, rate: int) -> None:
        self._queue.put(bytes(2 * (rate * milliseconds // 1000)))

    def finish(self) -> Playback:
        """Let the player play what it was given to the end (Ctrl-C stops it)."""
        self._queue.put(None)
        self._feeder.join()
        self.process.stdin = None  # closed by the feeder
        stderr = self.process.communicate()[1].decode("utf-8", "replace")
        failure = next((line for line in stderr.splitlines() if "failed" in line.lower()), "")
        if self.process.returncode != 0 or failure:
            detail = failure or (stderr.strip().splitlines() or [f"exit code {self.process.returncode}"])[-1]
            return Playback(False, self.name, f"{self.name} could not play it ({detail.strip()})")
        return Playback(True, self.name)

    def stop(self) -> None:
        self._queue.put(None)
        self._feeder.join(timeout=1)
        if self.process.poll() is None:
            self.process.terminate()
        self.process.stdin = None
        self.process.communicate()


def stream_player(rate: int) -> StreamPlayer | None:
    """A started ``StreamPlayer`` at ``rate``, or None when no player can read a stream here."""
    command = stream_command()
    if command is None:
        return None
    try:
        return StreamPlayer(command, rate)
    except OSError:
        return None
