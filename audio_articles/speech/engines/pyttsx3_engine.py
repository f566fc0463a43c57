"""pyttsx3 (espeak-ng on Linux), with its pitfalls handled.

- ``runAndWait()`` may return before the WAV exists: we wait for the
  ``finished-utterance`` event, with a deadline, and then check the file.
- Several ``save_to_file`` calls in one ``runAndWait`` write only the last: one call each.
- A bad output path fails silently (and hangs): we only write into a folder we just checked,
  under a temporary name, and rename once the file is verified.
- ``pyttsx3.init()`` before ``fork()`` makes children hang: the engine is created lazily,
  in the process that uses it, and worker pools use the forkserver/spawn start method.
- The driver prints "Audio saved to …" on stdout: stdout is redirected around each call.
- espeak-ng applies rate/pitch/volume on its own thread, and ``runAndWait()`` cancels
  what is still queued: we wait until espeak is idle before each utterance, or a loaded
  machine speaks with the previous utterance's settings.
- ``runAndWait()`` cancels the new utterance if espeak-ng looks busy at that instant, and
  espeak's own thread briefly looks busy when it closes its output after 150 ms idle: a
  clip can come out empty. The driver reports it (``completed=False``); we speak it again.
- The driver grows its buffer by concatenation (quadratic): its buffer is made a
  bytearray, which grows in place, and long texts are spoken in chunks of whole
  sentences, the chunks then joined.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import os
import re
import signal
import threading
import time
import wave
import weakref
from collections.abc import Callable
from pathlib import Path

from ...errors import EngineError, missing_tool
from ...model import Clip, Voice
from .base import VoiceInfo, read_clip

CHUNK_CHARS = 1500
"""Longest text handed to the engine in one call."""
REVISION = "r2"
"""Part of every cache key: raised when a fix here changes the audio, so clips rendered
before it (r1 could carry the previous clip's rate) are never reused."""
TIMEOUT_S = 60.0
"""Longest a single engine call may take before it counts as hung."""
CANCELLED_RETRIES = 3
"""Times an utterance the driver cancelled on its own is spoken again before giving up."""


def split_for_engine(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Split text at sentence ends (or spaces, or anywhere) into pieces of at most ``limit``.

    >>> split_for_engine("One. Two. Three.", limit=10)
    ['One. Two.', 'Three.']
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max((m.end() for m in re.finditer(r"[.!?;:]\s", window)), default=0)
        if cut == 0:
            cut = window.rfind(" ") + 1
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


@contextlib.contextmanager
def deadline(seconds: float, what: str, stop: Callable[[], None] | None = None):
    """Raise EngineError if the block runs longer than ``seconds``.

    In the main thread SIGALRM interrupts the block. Other threads (Dask runs its tasks in
    threads) cannot be interrupted: there a timer calls ``stop``, which must make the block
    return (end the engine's run loop), and the error is raised then.
    """
    message = f"the speech engine hung for {seconds:g} s on {what}; try again, or report the text"
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):

        def expired(signum, frame):
            raise EngineError(message)

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    if stop is None:
        yield
        return
    fired = threading.Event()

    def expire() -> None:
        fired.set()
        stop()

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except EngineError:
        if fired.is_set():
            raise EngineError(message) from None
        raise
    finally:
        timer.cancel()
    if fired.is_set():
        raise EngineError(message)


def _espeak_library():
    from pyttsx3.drivers import _espeak

    return _espeak.dll


@functools.cache
def espeak_version() -> str:
    """The espeak-ng library's version, e.g. "1.51"."""
    info = _espeak_library().espeak_Info
    info.restype, info.argtypes = ctypes.c_char_p, [ctypes.c_void_p]
    return info(None).decode()


def espeak_variants() -> frozenset[str]:
    """Voice variants ("f3", "klatt", …) usable as "voice+variant" (after initialisation)."""
    info = _espeak_library().espeak_Info
    info.restype, info.argtypes = ctypes.c_char_p, [ctypes.POINTER(ctypes.c_char_p)]
    data_path = ctypes.c_char_p()
    info(ctypes.byref(data_path))
    folder = Path(data_path.value.decode()) / "voices" / "!v"
    return frozenset(p.name for p in folder.iterdir()) if folder.is_dir() else frozenset()


_warmed: weakref.WeakSet = weakref.WeakSet()


def _warm_up(engine) -> None:
    """Run one empty loop on a new pyttsx3 engine (``pyttsx3.init()`` hands every caller
    in a process the same one, so this happens once per process).

    A new engine queues settings until its first run loop, then applies them a moment
    before that loop's stop() can cancel them: the first clip came out at espeak's default
    rate about one time in twelve. After an empty first loop, settings apply at once, as
    for every later call. (A second empty loop would never end, hence the once.)
    """
    if engine in _warmed:
        return
    with contextlib.redirect_stdout(io.StringIO()):
        engine.runAndWait()
    _warmed.add(engine)


@functools.cache
def _growing_buffer_driver(driver_class: type) -> type:
    """``driver_class`` whose ``_data_buffer`` is always a bytearray."""

    class GrowingBufferDriver(driver_class):
        @property
        def _data_buffer(self) -> bytearray:
            return self.__dict__["_growing_buffer"]

        @_data_buffer.setter
        def _data_buffer(self, value: bytes) -> None:
            self.__dict__["_growing_buffer"] = value if isinstance(value, bytearray) else bytearray(value)

    return GrowingBufferDriver


def _buffer_in_place(engine) -> None:
    """Let the espeak driver append audio in place.

    The driver keeps the audio in ``bytes`` and appends espeak's every buffer (≈ 0.8 s
    of sound) with ``+=``, which copies the whole clip so far each time: ≈ 0.3 s of CPU
    an hour, and fresh pages to fault in for every copy. The driver resets the buffer to
    ``b""`` for each utterance, so its class gains a property that keeps a bytearray
    there instead; ``+=`` then extends it, and the WAV module writes it as it did the
    bytes. A driver without that attribute (another platform or pyttsx3) is left alone.
    """
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is None or "_data_buffer" not in vars(driver):
        return
    buffer = vars(driver).pop("_data_buffer")
    driver.__class__ = _growing_buffer_driver(type(driver))
    driver._data_buffer = buffer


class Pyttsx3Engine:
    """Speech through pyttsx3; on Linux that is the espeak-ng library."""

    name = "pyttsx3"

    def __init__(self, timeout_s: float = TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self._engine = None
        self._voice_ids: set[str] | None = None
        self._variants: frozenset[str] = frozenset()
        self._finished = threading.Event()
        self._cancelled = False

    def _get(self):
        if self._engine is None:
            try:
                import pyttsx3

                self._engine = pyttsx3.init()
            except (OSError, RuntimeError, ImportError) as err:
                raise missing_tool("espeak-ng") from err
            _buffer_in_place(self._engine)
            self._engine.connect("finished-utterance", self._on_finished)
            with deadline(self.timeout_s, "starting the engine"):
                _warm_up(self._engine)
        return self._engine

    def warm(self) -> None:
        """Create the engine now (≈ 0.1 s) rather than at the first clip."""
        self._get()

    def identity(self) -> str:
        from importlib.metadata import version

        return f"pyttsx3-{version('pyttsx3')}/espeak-ng-{espeak_version()}/{REVISION}"

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(
                id=v.id,
                name=v.name,
                languages=tuple(str(lang) for lang in (v.languages or ())),
                gender=(v.gender or None) and str(v.gender).lower(),
            )
            for v in self._get().getProperty("voices")
        ]

    def _check_voice(self, voice_id: str) -> None:
        # espeak-ng silently keeps the previous voice for an unknown name: check it first.
        if self._voice_ids is None:
            self._voice_ids = {v.id for v in self.voices()}
            self._variants = espeak_variants()
        base, _, variant = voice_id.partition("+")
        if base not in self._voice_ids or (variant and variant not in self._variants):
            raise EngineError(f"the engine has no voice {voice_id!r}; run 'audio-articles voices' to list them")

    def _wait_until_idle(self) -> None:
        # espeak-ng queues parameter changes on its own thread. runAndWait() first calls
        # the driver's stop(), which cancels everything queued while espeak is busy, so
        # without this wait a loaded machine speaks with the previous call's rate/pitch.
        from pyttsx3.drivers import _espeak

        give_up = time.monotonic() + self.timeout_s
        while _espeak.IsPlaying() and time.monotonic() < give_up:
            time.sleep(0.0005)

    def _speak_one(self, text: str, voice: Voice, path: Path) -> None:
        engine = self._get()
        self._check_voice(voice.voice)
        try:
            engine.setProperty("voice", voice.voice)
        except ValueError:
            raise EngineError(
                f"the engine has no voice {voice.voice!r}; run 'audio-articles voices' to list them"
            ) from None
        engine.setProperty("rate", voice.rate)
        engine.setProperty("volume", voice.volume)
        engine.setProperty("pitch", voice.pitch)
        for _ in range(1 + CANCELLED_RETRIES):
            self._wait_until_idle()  # also lets a cancelled utterance's last callback finish
            self._finished.clear()
            self._cancelled = False
            with deadline(self.timeout_s, f"{text[:40]!r}", self._abandon), contextlib.redirect_stdout(io.StringIO()):
                engine.save_to_file(text, str(path))
                engine.runAndWait()
                if not self._finished.wait(self.timeout_s):
                    raise EngineError(f"the speech engine never finished {text[:40]!r}")
            if not self._cancelled:
                return
        self._wait_until_idle()  # the last attempt's callback may still write its file
        raise EngineError(f"the speech engine cancelled {text[:40]!r} {1 + CANCELLED_RETRIES} times; run again")

    def _on_finished(self, name=None, completed: bool = True) -> None:
        """The driver's "finished-utterance": ``completed`` is False when it cancelled the
        utterance (see the module's notes), which is then spoken again. A cancelled
        utterance may still report a (empty) completion from espeak's thread afterwards,
        so a cancellation is kept until the next attempt."""
        if not completed:
            self._cancelled = True
        self._finished.set()

    def _abandon(self) -> None:
        """End a run loop that waits for an engine that will not answer (from a timer).

        ``Engine.endLoop()`` cannot: inside ``runAndWait()`` pyttsx3 has already marked its
        loop as ended; the driver proxy's ``endLoop`` stops the driver's own loop."""
        with contextlib.suppress(Exception):  # the loop may have ended meanwhile
            self._engine.proxy.endLoop(True)
        self._finished.set()

    def synthesize(self, text: str, voice: Voice, path: Path) -> Clip:
        path = Path(path)
        if not path.parent.is_dir():
            raise EngineError(f"cannot write clips to {path.parent}: no such folder")
        pieces = split_for_engine(text) or ["."]
        temps = [path.with_name(f".{path.stem}.{os.getpid()}.{i}.wav") for i in range(len(pieces))]
        try:
            for piece, temp in zip(pieces, temps):
                self._speak_one(piece, voice, temp)
                read_clip(temp)
            if len(temps) == 1:
                os.replace(temps[0], path)
            else:
                _join_wavs(temps, path)
        finally:
            for temp in temps:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
        return read_clip(path)


def _join_wavs(parts: list[Path], path: Path) -> None:
    """Concatenate same-format WAV files into ``path`` (atomically)."""
    temp = path.with_name(f".{path.stem}.{os.getpid()}.joined.wav")
    with wave.open(str(parts[0]), "rb") as first:
        params = first.getparams()
    with wave.open(str(temp), "wb") as out:
        out.setparams(params)
        for part in parts:
            with wave.open(str(part), "rb") as wav:
                out.writeframes(wav.readframes(wav.getnframes()))
    os.replace(temp, path)
