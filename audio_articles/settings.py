"""Settings, split by meaning.

``Production`` is what the file *is*: every setting that changes the audio written. It is
frozen and hashable, and its ``signature`` (file-valued settings hashed by content) is
what a feed compares to decide whether an episode must be rendered again. ``Runtime`` is
how the run *goes*: cores, the clip cache, a shared worker pool; none of it changes a
byte of the output. ``Options`` is the flat form the command line and library callers
fill in; each keyword goes to the half that owns it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .audio.encode import EncodeSettings
from .files import DEFAULT_MAX_BYTES, file_digest
from .speech.engines import Engine
from .speech.render import SpeechPool
from .speech.voices import Profile

FILE = {"file": True}
"""Field metadata: the value names files whose *content* shapes the output."""


@dataclass(frozen=True)
class Production:
    """What the file is: voices, language, lexicons, format, loudness, tags."""

    voices: str | os.PathLike[str] | None = None
    """Profile name or path (None: the default profile)."""
    profile: Profile | None = None
    """An already loaded profile (wins over ``voices``)."""
    engine: Engine | str = "pyttsx3"
    """The run's engine, by name (an instance serves this process only)."""
    model: str | os.PathLike[str] | None = field(default=None, metadata=FILE)
    """A Piper voice file (``voice.onnx``) that speaks every segment, whatever the profile says."""
    speaker: int | None = None
    """Speaker of a multi-speaker Piper ``model``."""
    voice: str | None = None
    """Engine voice for every kind (``--voice``); quotations keep their variant."""
    quote_voice: str | None = None
    """Engine voice for quotations (``--quote-voice``)."""
    rate: int | None = None
    """Body rate in words per minute (``--rate``); other kinds keep their relative pace."""
    language: str | None = None
    """Language to speak in (``--lang``); None: front matter, detection, else English."""
    lexicons: tuple[str | os.PathLike[str], ...] = field(default=(), metadata=FILE)
    """Lexicon files (``--lexicon``), added to the profile's and the article folder's."""
    format: str | None = None
    """Output format (mp3, m4b, m4a, wav, opus); None: from the output's extension."""
    mp3: EncodeSettings = field(default_factory=EncodeSettings)
    """Encoder settings: bitrate, channels, sample rate (every format, despite the name)."""
    loudness_lufs: float | None = None
    """Integrated loudness target; None: −19 LUFS mono, −16 LUFS stereo."""
    normalize: bool = True
    """Balance the voices and bring the programme to the loudness target."""
    cover: Path | None = field(default=None, metadata=FILE)
    """Cover art (JPEG or PNG) embedded in the output."""
    album: str | None = None
    """Album tag: the collection or feed the article belongs to."""
    chapters: str = "auto"
    """Chapters (``--chapters``): auto, section, paragraph or none (``plan.CHAPTER_MODES``)."""
    genre: str | None = None
    """Genre tag (``--genre``); a feed's episodes are "Podcast"."""

    def files(self) -> Iterator[Path]:
        """Every file a setting names, in field order."""
        for spec in fields(self):
            if spec.metadata.get("file"):
                value = getattr(self, spec.name)
                for path in value if isinstance(value, tuple) else (value,):
                    if path is not None:
                        yield Path(path)

    def relocated(self, where: Callable[[Path], Path]) -> Production:
        """The same settings with every file moved to ``where(path)`` (a worker's copy)."""
        changes: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.metadata.get("file") and value:
                changes[spec.name] = tuple(where(Path(p)) for p in value) if isinstance(value, tuple) else where(Path(value))
        return replace(self, **changes)

    def signature(self, profile: Profile | None = None) -> str:
        """A hash of everything that shapes the file: settings by value, files by content,
        the engine by name, and ``profile`` (the one in effect, jingles by content)."""
        digest = hashlib.sha256()
        values = {spec.name: getattr(self, spec.name) for spec in fields(self)}
        values["engine"] = engine_name(self.engine)
        values["profile"] = None  # the profile in effect is hashed below, without its origin
        for spec in fields(self):
            if spec.metadata.get("file"):
                values[spec.name] = None
        digest.update(repr(sorted(values.items())).encode())
        paths = list(self.files())
        if profile is not None:
            digest.update(repr(replace(profile, source=None, intro_jingle=None, outro_jingle=None)).encode())
            paths += [Path(p) for p in (profile.intro_jingle, profile.outro_jingle) if p is not None]
        for path in paths:
            digest.update(str(path.name).encode() + b"\0" + _content_hash(path).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class Runtime:
    """How the run goes; never changes the output."""

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    """Cores to use, for speech and encoding."""
    cache_dir: Path | None = None
    """Clip cache folder; None means the user cache folder."""
    use_cache: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    """Refuse article files larger than this (``--max-size``)."""
    offline: bool = False
    """Never fetch a URL; read it from the page cache or fail (``--offline``)."""
    pool: SpeechPool | None = field(default=None, compare=False)
    """Open worker processes to render clips with (a batch or a feed shares one)."""
    device: str | None = None
    """Where Piper voices run: "cpu", "cuda" or "auto" (``--device``); None: as
    ``$AUDIO_ARTICLES_DEVICE`` says, else the CPU. A run setting, not part of the clip
    key: a GPU computes the same voice, to within float rounding."""


_OWNER = {spec.name: "production" for spec in fields(Production)} | {spec.name: "runtime" for spec in fields(Runtime)}


class Options:
    """Both halves, given as flat keywords (``Options(voices="newsroom", workers=2)``).

    Reading or setting a name reaches the half that owns it; ``replace`` returns a copy.
    """

    __slots__ = ("production", "runtime")
    production: Production
    runtime: Runtime

    def __init__(self, production: Production | None = None, runtime: Runtime | None = None, **flat: Any) -> None:
        unknown = set(flat) - set(_OWNER)
        if unknown:
            raise TypeError(f"Options got unknown settings: {', '.join(sorted(unknown))}")
        production = replace(production or Production(), **_owned(flat, "production"))
        runtime = replace(runtime or Runtime(), **_owned(flat, "runtime"))
        object.__setattr__(self, "production", production)
        object.__setattr__(self, "runtime", runtime)

    def __getattr__(self, name: str) -> Any:
        owner = _OWNER.get(name)
        if owner is None:
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, owner), name)

    def __setattr__(self, name: str, value: Any) -> None:
        owner = _OWNER.get(name)
        if owner is None:
            raise AttributeError(f"Options has no setting {name!r}")
        object.__setattr__(self, owner, replace(getattr(self, owner), **{name: value}))

    def replace(self, **flat: Any) -> Options:
        """A copy with some settings changed."""
        return Options(self.production, self.runtime, **flat)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and (self.production, self.runtime) == (other.production, other.runtime)

    def __repr__(self) -> str:
        return f"Options({self.production!r}, {self.runtime!r})"

    def __reduce__(self):  # sent to worker processes and Dask workers
        return (Options, (self.production, self.runtime))


def engine_name(engine: Engine | str) -> str:
    """An engine's name, whether given by name or as an instance."""
    return engine if isinstance(engine, str) else getattr(engine, "name", type(engine).__name__)


def _owned(flat: dict[str, Any], owner: str) -> dict[str, Any]:
    return {name: value for name, value in flat.items() if _OWNER[name] == owner}


def _content_hash(path: Path) -> str:
    try:
        return file_digest(path)  # hashed once per version of a file: a feed asks per article
    except OSError:
        return "missing"  # reading it later reports the problem
