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
