"""On-disk clip cache: a rendered clip is kept under a hash of everything that shaped it.

The key covers the text exactly as sent, the voice settings and the engine with its
version, so changing any of them renders anew and nothing else does. Clips are written
under a temporary name and renamed, so a killed run never leaves a corrupt clip.

A clip enters the cache only once the engine has returned it, which it does only when the
engine said it finished (see ``engines/pyttsx3_engine.py``), and it is sealed then: a
chunk after its audio (``aaok``, ignored by WAV readers) records its frame count and the
CRC-32 of its samples. On every read the seal is checked against the file: a clip cut
short or changed in any way after it was cached (disk full, copied halfway, rewritten by
another tool, or left by an earlier version that cached unsealed clips) counts as missing
and is rendered again, replacing the bad file in one rename.

A run killed outright leaves its temporary files (``.<key>.<pid>.…``). They are removed
when the cache is next opened, once their owner (the pid in the name) is no longer
running and they have not changed for ``TEMP_GRACE_S``, or in any case after
``STALE_TEMP_S``; ``stats`` counts them meanwhile.

The cache is bounded: when it outgrows its limit, the least recently used clips go.
Counting a big cache costs a scan of every file, so it is not done after every run: the
last full count is kept in ``ROOT/.total`` and each run that adds clips appends how many
bytes it added to ``ROOT/.added``; only when that estimate passes the limit (or the count
is a day old) is the cache scanned and trimmed. A clip's loudness measurement lives
beside it (``abc….levels``, see ``audio/levels.py``) and goes with it; at 0.2 % of a
clip's size it is not counted.

Several processes may share the cache. Each conversion holds a shared lock on
``ROOT/.lock`` while it reads and writes clips; eviction and ``clear`` take the lock
exclusively, so a clip is never deleted under a conversion that is still going to read
it. (The lock uses ``fcntl``; where that is missing, as on Windows, the cache is safe for
one process at a time.)
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..errors import EngineError, InputError, OutputError
from ..model import Clip, Voice
from ..units import parse_size
from .engines.base import read_clip

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

SIZE_ENV = "AUDIO_ARTICLES_CACHE_SIZE"
DEFAULT_MAX_BYTES = 2 * 1024**3
"""2 GiB: about 13 hours of speech at 22 kHz mono, hundreds of articles."""
TRIM_TO = 0.9
"""Eviction frees down to this share of the limit, so it does not run after every clip."""
STALE_TEMP_S = 3600
"""A temporary file unchanged for this long was left by a killed run, whoever owns it."""
TEMP_GRACE_S = 60
"""A temporary file whose owner is gone is removed once unchanged for this long. (The
owner is checked by pid, and a process of another pid namespace sharing the cache, such
as another container, looks gone: its files are written every few seconds, so a minute
of grace keeps them safe.)"""
TEMP_NAME = re.compile(r"^\.+[0-9a-f]{64}\.(\d+)\.")
"""A temporary file of this cache: ``.<key>.<pid of the process that named it>.…``."""
SEAL_ID = b"aaok"
SEAL = struct.Struct("<4sIQII")
"""The seal chunk: id, size (16), frames, CRC-32 of the samples, seal version."""
SEAL_VERSION = 1
RESCAN_S = 86400
"""A full count older than this is redone, to catch clips added or removed behind our back."""
CLIP_NAME = re.compile(r"^[0-9a-f]{64}\.wav$")
LOCK_NAME = ".lock"
TOTAL_NAME = ".total"
ADDED_NAME = ".added"
LEVELS_SUFFIX = ".levels"
"""A clip's loudness measurement is kept beside it under this suffix."""


def default_cache_dir() -> Path:
    """``$AUDIO_ARTICLES_CACHE``, else the user's cache folder."""
    env = os.environ.get("AUDIO_ARTICLES_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("audio-articles")) / "clips"


def default_max_bytes() -> int:
    """The size limit: ``$AUDIO_ARTICLES_CACHE_SIZE`` (e.g. ``500M``), else 2 GiB."""
    text = os.environ.get(SIZE_ENV)
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        return parse_size(text)
    except InputError:
        raise InputError(f"{SIZE_ENV}={text!r} is not a size; use bytes or a unit, e.g. 500M or 2G") from None


ORIGINAL_VOICE_FIELDS = frozenset({"voice", "rate", "pitch", "volume", "engine", "model", "speaker"})
"""The Voice's fields when the cache keys were first made."""


def voice_settings(voice: Voice) -> dict[str, object]:
    """The voice's settings as a clip key holds them: a field added to Voice later counts
    only where it is set, so clips that do not use it keep their keys.

    >>> voice_settings(Voice("gmw/en")) == voice_settings(Voice("gmw/en", pitch_shift=1.0))
    True
    >>> "pitch_shift" in voice_settings(Voice("gmw/en", pitch_shift=1.3))
    True
    """
    return {
        spec.name: getattr(voice, spec.name)
        for spec in fields(voice)
        if spec.name in ORIGINAL_VOICE_FIELDS or getattr(voice, spec.name) != spec.default
    }


def clip_key(engine_identity: str, text: str, voice: Voice) -> str:
    """A stable hash of what the engine is asked to do."""
    payload = json.dumps([engine_identity, text, voice_settings(voice)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def wav_is_complete(path: Path) -> bool:
    """True when the file holds every audio byte its header announces.

    ``wave`` trusts the header, so a clip cut short (disk full, copied halfway) would
    otherwise read as a shorter clip, or fail later in the middle of encoding.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as wav:
            riff = wav.read(12)
            if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:] != b"WAVE":
                return False
            offset = 12
            while offset + 8 <= size:
                wav.seek(offset)
                chunk_id, chunk_size = struct.unpack("<4sI", wav.read(8))
                if chunk_id == b"data":
                    return offset + 8 + chunk_size <= size
                offset += 8 + chunk_size + (chunk_size & 1)
    except (OSError, struct.error):
        return False
    return False


def check_clip(path: Path, cached: bool = False) -> Clip:
    """The clip at ``path`` if it is a complete, usable WAV; EngineError otherwise."""
    if not wav_is_complete(path):
        raise EngineError(f"the clip {path.name} is truncated or not a WAV file")
    return read_clip(path, cached=cached)


def _chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(id, offset of its content, size) of each chunk of a RIFF/WAVE file's bytes, as far
    as they are whole."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        if offset + 8 + size > len(data):
            return
        yield chunk_id, offset + 8, size
        offset += 8 + size + (size & 1)


def seal_clip(path: Path) -> None:
    """Append the seal to the WAV file at ``path`` (a clip of this process's own, not yet
    in the cache): its frame count and the CRC-32 of its samples."""
    data = path.read_bytes()
    found = {chunk_id: (start, size) for chunk_id, start, size in _chunks(data)}
    if b"data" not in found or SEAL_ID in found:
        raise EngineError(f"the engine wrote no usable audio to {path.name}")
    start, size = found[b"data"]
    seal = SEAL.pack(SEAL_ID, SEAL.size - 8, size // 2, zlib.crc32(data[start : start + size]), SEAL_VERSION)
    padding = b"\0" if len(data) & 1 else b""
    with open(path, "r+b") as handle:
        handle.seek(0, os.SEEK_END)
        handle.write(padding + seal)
        handle.seek(4)
        handle.write(struct.pack("<I", len(data) + len(padding) + len(seal) - 8))


def is_sealed(path: Path) -> bool:
    """True when the file is a whole WAV whose samples are exactly those its seal records."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if len(data) < 12 or struct.unpack_from("<I", data, 4)[0] != len(data) - 8:
        return False  # cut short, or grown
    found = {chunk_id: (start, size) for chunk_id, start, size in _chunks(data)}
    if b"data" not in found or SEAL_ID not in found or found[SEAL_ID][1] != SEAL.size - 8:
        return False
    start, size = found[b"data"]
    _, _, frames, crc, version = SEAL.unpack_from(data, found[SEAL_ID][0] - 8)
    return version == SEAL_VERSION and frames * 2 == size and crc == zlib.crc32(data[start : start + size])


def _pid_alive(pid: int) -> bool:
    """Whether a process of that pid runs on this machine (True when unsure)."""
    if os.name != "posix" or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, as another user's
    return True


def temp_is_stale(name: str, age_s: float) -> bool:
    """Whether a temporary file of the cache, unchanged for ``age_s``, was left by a run
    that is gone (see the module's notes)."""
    if age_s >= STALE_TEMP_S:
        return True
    owner = TEMP_NAME.match(name)
    return owner is not None and age_s >= TEMP_GRACE_S and not _pid_alive(int(owner.group(1)))


@dataclass(frozen=True)
class CacheStats:
    """What the cache holds."""

    root: Path
    clips: int
    bytes: int
    max_bytes: int
    """The size limit; least recently used clips are evicted beyond it."""
    temporaries: int = 0
    """Temporary files: clips being written, or left by a run killed outright."""
    temporary_bytes: int = 0


@dataclass(frozen=True)
class ClipFile:
    """One clip in the cache, as eviction sees it."""

    path: Path
    size: int
    last_used: float
    """Modification time, which ``get`` refreshes on every hit."""


_swept: set[Path] = set()
"""Cache folders whose stale temporary files this process has already removed."""


class ClipCache:
    """Clips stored as ``ROOT/ab/abcdef….wav``, at most ``max_bytes`` in all."""

    def __init__(self, root: Path, max_bytes: int | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = default_max_bytes() if max_bytes is None else max_bytes
        self._added: list[Path] = []
        """Clips this instance has added (eviction runs only after some)."""
        self._renders = itertools.count()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str) -> Clip | None:
        """The cached clip, or None when missing or unusable.

        An unusable file is left in place: the fresh render replaces it atomically, so a
        concurrent writer's good clip can never be deleted by mistake.
        """
        path = self.path(key)
        if not is_sealed(path):
            return None
        try:
            clip = check_clip(path, cached=True)
        except EngineError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # marks it recently used, for eviction
        return clip

    def prepare(self, key: str) -> Path:
        """A path of this process's own where the engine should write a new clip for
        ``key`` (its folder exists); ``publish`` then makes it the cache's clip."""
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(
                f"cannot write to the clip cache {self.root} ({err.strerror}); "
                "set AUDIO_ARTICLES_CACHE to a writable folder, or use --no-cache"
            ) from None
        return path.with_name(f".{key}.{os.getpid()}.{next(self._renders)}.wav")

    def publish(self, rendered: Clip, key: str) -> Clip:
        """Make a clip rendered at a ``prepare``d path the cache's clip for ``key``.

        ``rendered`` must be a clip the engine returned, so one it finished; it is sealed
        here (see the module's notes). The first clip published for a key stays: a clip
        file never changes once it exists, so no conversion ever reads another render
        than the one it measured (two conversions running at once may render the same
        text; with espeak-ng both renders are the same bytes, but an engine need not
        promise that). A damaged clip is replaced.
        """
        final = self.path(key)
        seal_clip(rendered.path)
        try:
            os.link(rendered.path, final)  # fails if the file exists: never replaces it
        except FileExistsError:
            existing = self.get(key)
            if existing is not None:
                rendered.path.unlink(missing_ok=True)
                return replace(existing, cached=False)
            _remove(final)  # damaged: replaced below, with its stale measurement gone
            os.replace(rendered.path, final)
        except OSError:
            os.replace(rendered.path, final)  # no hard links on this file system
        else:
            rendered.path.unlink()
        self._added.append(final)
        return replace(rendered, path=final)

    @property
    def written(self) -> int:
        """How many clips this instance has added."""
        return len(self._added)

    # -- sharing between processes -------------------------------------------------

    @contextlib.contextmanager
    def _lock(self, exclusive: bool, wait: bool) -> Iterator[bool]:
        """Hold the cache lock; yields False when ``wait`` is off and the lock is busy."""
        if fcntl is None:
            yield True
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / LOCK_NAME, "a+b")
        except OSError as err:
            raise OutputError(
                f"cannot use the clip cache {self.root} ({err.strerror}); "
                "set AUDIO_ARTICLES_CACHE to a writable folder, or use --no-cache"
            ) from None
        with handle:
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            try:
                fcntl.flock(handle, mode if wait else mode | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def in_use(self) -> Iterator[ClipCache]:
        """Use the cache for one conversion: no clip is evicted until the block ends.

        Afterwards, if this conversion added clips and no other is running, the least
        recently used clips are evicted down to the limit (the last conversion to finish
        does it otherwise).
        """
        with self._lock(exclusive=False, wait=True):
            if self.root not in _swept:  # once a process: a big cache takes a while to list
                _swept.add(self.root)
                self._remove_stale_temps(stale=temp_is_stale)
            yield self
            if self._added:
                # Recorded while still holding the lock, so no trim can miss it.
                self._record_added(sum(_size(path) for path in self._added))
        if self._added:
            self.trim()

    # -- housekeeping ---------------------------------------------------------------

    def clip_files(self) -> list[ClipFile]:
        """Every finished clip in the cache (temporary files left out)."""
        files = []
        for shard in _scandir(self.root):
            if not shard.is_dir() or len(shard.name) != 2:
                continue
            for entry in _scandir(Path(shard.path)):
                if CLIP_NAME.match(entry.name):
                    with contextlib.suppress(FileNotFoundError):
                        stat = entry.stat()
                        files.append(ClipFile(Path(entry.path), stat.st_size, stat.st_mtime))
        return files

    def temporary_files(self) -> list[ClipFile]:
        """Every temporary file in the cache's folders (being written, or left behind)."""
        files = []
        for shard in _scandir(self.root):
            if shard.is_dir() and len(shard.name) == 2:
                for entry in _scandir(Path(shard.path)):
                    if entry.name.startswith("."):
                        with contextlib.suppress(FileNotFoundError):
                            stat = entry.stat()
                            files.append(ClipFile(Path(entry.path), stat.st_size, stat.st_mtime))
        return files

    def stats(self) -> CacheStats:
        files = self.clip_files()
        temps = self.temporary_files()
        return CacheStats(
            self.root, len(files), sum(f.size for f in files), self.max_bytes, len(temps), sum(f.size for f in temps)
        )

    def trim(self, wait: bool = False) -> int:
        """Evict least recently used clips until the cache is within its limit.

        Returns how many clips were removed; 0 without doing anything when another
        process is using the cache and ``wait`` is off.
        """
        with self._lock(exclusive=True, wait=wait) as locked:
            if not locked:
                return 0
            estimate = self._estimate()
            if estimate is not None and estimate <= self.max_bytes:
                return 0
            self._remove_stale_temps(stale=temp_is_stale)
            files = self.clip_files()
            total = sum(f.size for f in files)
            removed = 0
            if total > self.max_bytes:
                for clip in sorted(files, key=lambda f: f.last_used):
                    if total <= self.max_bytes * TRIM_TO:
                        break
                    _remove(clip.path)
                    total -= clip.size
                    removed += 1
            self._write_total(total)
            return removed

    def clear(self) -> CacheStats:
        """Remove every clip (waiting for running conversions); returns what was removed."""
        with self._lock(exclusive=True, wait=True):
            files = self.clip_files()
            for clip in files:
                _remove(clip.path)
            self._remove_stale_temps(stale=lambda name, age_s: True)
            self._write_total(0)
            for shard in _scandir(self.root):
                if shard.is_dir() and len(shard.name) == 2:
                    with contextlib.suppress(OSError):
                        os.rmdir(shard.path)
        return CacheStats(self.root, len(files), sum(f.size for f in files), self.max_bytes)

    # -- the size estimate ------------------------------------------------------------

    def _record_added(self, added: int) -> None:
        """Append the bytes a run added; one short O_APPEND write, safe between processes."""
        with contextlib.suppress(OSError):
            handle = os.open(self.root / ADDED_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(handle, f"{added}\n".encode())
            finally:
                os.close(handle)

    def _estimate(self) -> int | None:
        """The size now: the last full count plus what runs added since (None: count again)."""
        try:
            counted = json.loads((self.root / TOTAL_NAME).read_text(encoding="utf-8"))
            base, when = int(counted["bytes"]), float(counted["when"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not 0 <= time.time() - when <= RESCAN_S:
            return None
        try:
            lines = (self.root / ADDED_NAME).read_text(encoding="ascii").split()
        except FileNotFoundError:
            lines = []
        except (OSError, ValueError):
            return None
        return base + sum(int(line) for line in lines if line.isdigit())

    def _write_total(self, total: int) -> None:
        """Record a full count (under the exclusive lock) and start the additions afresh."""
        with contextlib.suppress(OSError):
            temp = self.root / f"{TOTAL_NAME}.{os.getpid()}.tmp"
            temp.write_text(json.dumps({"bytes": total, "when": time.time()}), encoding="utf-8")
            os.replace(temp, self.root / TOTAL_NAME)
            (self.root / ADDED_NAME).unlink(missing_ok=True)

    def _remove_stale_temps(self, stale=temp_is_stale) -> int:
        """Delete the temporary files ``stale(name, age_s)`` picks; returns how many."""
        now = time.time()
        removed = 0
        for temp in self.temporary_files():
            if stale(temp.path.name, now - temp.last_used):
                with contextlib.suppress(OSError):
                    os.unlink(temp.path)
                    removed += 1
        return removed


def _remove(clip: Path) -> None:
    """Delete a clip and what is kept beside it."""
    for path in (clip, clip.with_suffix(LEVELS_SUFFIX)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _scandir(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []
