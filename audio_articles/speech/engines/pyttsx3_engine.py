"""pyttsx3's espeak-ng binding, driven synchronously.

On Linux pyttsx3 speaks through espeak-ng, by way of its ctypes binding
(``pyttsx3.drivers._espeak``). Its driver starts espeak-ng in "retrieval" mode, where
synthesis runs on espeak's own thread while the driver's run loop polls for the end every
10 ms. Nearly every pitfall of pyttsx3 on Linux comes from that thread: ``runAndWait()``
returns before the WAV exists, settings are applied late or cancelled, and the driver
cancels an utterance when espeak looks busy for an instant; in that mode, too, the
process twice died with a segmentation fault inside ``espeak_Synth`` in this project's
test runs (never reproduced on demand). This engine initialises
espeak-ng through the same binding in synchronous mode instead: ``espeak_Synth`` speaks
in the calling thread, hands each buffer of samples to a callback and returns when the
text is done. Settings apply at once, nothing is cancelled, and no time goes to polling.
The samples are the ones ``espeak-ng -w`` writes for the same voice and settings, byte
for byte, and the ones pyttsx3's driver wrote.

Still handled here:

- espeak-ng keeps the previous voice for an unknown name: names are checked against its list.
- One espeak-ng per process, with one callback and global settings: a lock makes each
  utterance (settings and speech) one step, as Dask runs tasks in threads.
- The library is loaded when the engine is first used, never at import, so a fork
  server can preload this module (worker pools use forkserver or spawn).
- An utterance's samples are held until it ends: long texts are spoken in pieces of
  whole sentences, each written to the clip's file as it ends, which bounds that memory.
- Every clip is spoken in a process of its own, forked for it from this one, which has
  loaded espeak-ng but never spoken: espeak-ng keeps state from one utterance to the next
  (static variables of its wave generator: the phase of the pitch "flutter", which
  advances with every sample ever generated, the glottal cycle, the automatic gain, the
  echo buffer, …; none of them can be reset through its API), so the same text in the
  same voice came out a few hundred samples longer or shorter depending on what the
  process had said before. Forked from the same never-speaking state, every clip is the
  one ``espeak-ng -w`` writes from a fresh start, byte for byte, whatever was spoken
  before, in whichever process. One more piece of state lies outside espeak-ng: it takes
  the breath noise of some voices (the ``+f`` variants, klatt) from the C library's
  ``rand()``, so the child seeds it as a fresh process has it (``srand(1)``). The fork
  costs ≈ 2–4 ms a clip.
- A clip is kept only when espeak-ng says it finished (its callback saw the end of the
  data, for every piece) and the child reported so; the parent then renames the file into
  place. A call that runs longer than ``timeout_s`` (per piece) gets its child killed.
  Ctrl-C is the parent's business: the child ignores SIGINT, and the parent, waiting on
  it, reacts as its own SIGINT handler says (a KeyboardInterrupt kills the child and
  leaves no clip; SIGINT ignored, as in a script's background job, changes nothing).
- Without ``os.fork`` (Windows), clips are spoken in the calling process: then a call
  past its deadline, or interrupted by Ctrl-C (only when SIGINT is not ignored), is
  stopped by the callback, which tells espeak-ng to stop. An exception raised in the
  callback would be printed and dropped by ctypes (Python runs signal handlers there), so
  while espeak-ng speaks, SIGINT is only noted, and raised once espeak-ng has returned;
  a stopped utterance is never returned as a clip.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import select
import signal
import threading
import time
import wave
from pathlib import Path

from ...errors import EngineError, missing_tool
from ...model import Clip, Voice
from ...signals import interrupts_deferred
from .base import Engine, VoiceInfo, c_library, read_clip

CHUNK_CHARS = 1500
"""Longest text handed to the engine in one call (≈ 100 s of speech, 4 MB of samples)."""
REVISION = "r3"
"""Part of every cache key: raised when a fix here changes the audio, so clips rendered
before it are never reused (r1 could carry the previous clip's rate; r2 clips depended on
what their process had spoken before, see the module's notes)."""
TIMEOUT_S = 60.0
"""Longest a single engine call (one piece of a clip) may take before it counts as hung."""
ISOLATED = hasattr(os, "fork")
"""Whether each clip is spoken in a forked process of its own (see the module's notes)."""
BUFFER_MS = 1000
"""Sound handed to the callback at a time (as pyttsx3's driver asks)."""

_speaking = threading.Lock()
"""Held for one utterance: espeak-ng's settings and callback are global to the process."""


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


@functools.cache
def _espeak():
    """pyttsx3's espeak-ng binding, the library initialised (once per process) in
    synchronous mode; also returns its sample rate."""
    try:
        from pyttsx3.drivers import _espeak
    except ModuleNotFoundError as err:  # a pyttsx3 without the module (it is not public API)
        raise EngineError(
            f"this pyttsx3 has no espeak-ng binding ({err.name}); install pyttsx3 2: pip install 'pyttsx3>=2.99,<3'"
        ) from None
    except (ImportError, OSError, RuntimeError) as err:  # the binding raises RuntimeError without the library
        raise missing_tool("espeak-ng") from err
    rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS)
    if rate <= 0:
        raise missing_tool("espeak-ng")  # the library is there but not its data
    return _espeak, rate


@functools.cache
def espeak_version() -> str:
    """The espeak-ng library's version, e.g. "1.51"."""
    info = _espeak()[0].dll.espeak_Info
    info.restype, info.argtypes = ctypes.c_char_p, [ctypes.c_void_p]
    return info(None).decode()


def espeak_variants() -> frozenset[str]:
    """Voice variants ("f3", "klatt", …) usable as "voice+variant"."""
    info = _espeak()[0].dll.espeak_Info
    info.restype, info.argtypes = ctypes.c_char_p, [ctypes.POINTER(ctypes.c_char_p)]
    data_path = ctypes.c_char_p()
    info(ctypes.byref(data_path))
    folder = Path(data_path.value.decode()) / "voices" / "!v"
    return frozenset(p.name for p in folder.iterdir()) if folder.is_dir() else frozenset()


def _no_voice(voice_id: str) -> EngineError:
    return EngineError(f"the engine has no voice {voice_id!r}; run 'audio-articles voices' to list them")


class Pyttsx3Engine(Engine):
    """Speech through pyttsx3's espeak-ng binding (see the module's notes)."""

    name = "pyttsx3"

    def __init__(self, timeout_s: float = TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self._voice_ids: set[str] | None = None
        self._variants: frozenset[str] = frozenset()

    def warm(self) -> None:
        """Load the library and its voice list now (≈ 0.03 s) rather than at the first clip."""
        self._known_voices()

    def identity(self) -> str:
        from importlib.metadata import version

        return f"pyttsx3-{version('pyttsx3')}/espeak-ng-{espeak_version()}/{REVISION}"

    def voices(self) -> list[VoiceInfo]:
        _espeak()
        from pyttsx3.drivers.espeak import EspeakDriver  # its voice list needs no driver instance

        return [
            VoiceInfo(
                id=v.id,
                name=v.name,
                languages=tuple(str(lang) for lang in (v.languages or ())),
                gender=(v.gender or None) and str(v.gender).lower(),
            )
            for v in EspeakDriver.getProperty("voices")
        ]

    def _known_voices(self) -> set[str]:
        if self._voice_ids is None:
            self._voice_ids = {v.id for v in self.voices()}
            self._variants = espeak_variants()
        return self._voice_ids

    def _check_voice(self, voice_id: str) -> None:
        # espeak-ng silently keeps the previous voice for an unknown name: check it first.
        base, _, variant = voice_id.partition("+")
        if base not in self._known_voices() or (variant and variant not in self._variants):
            raise _no_voice(voice_id)

    def _speak(self, text: str, voice: Voice, in_child: bool = False) -> bytearray:
        """The samples of ``text`` spoken in ``voice`` (16-bit mono at the library's rate),
        all of them: EngineError when espeak-ng did not reach the end of the text.

        ``in_child``: in a child forked for the clip, which inherited ``_speaking`` held
        and leaves Ctrl-C to its parent."""
        espeak, _ = _espeak()
        samples = bytearray()
        hung: list[bool] = []
        ended: list[bool] = []

        with contextlib.ExitStack() as stack:
            interrupted: list[int] = []
            if not in_child:
                stack.enter_context(_speaking)
                interrupted = stack.enter_context(interrupts_deferred((signal.SIGINT,)))
            give_up = time.monotonic() + self.timeout_s

            def take(wav, count, events) -> int:
                # Called by espeak-ng for each buffer, and once with no buffer at the end of
                # the text; returning 1 tells it to stop.
                if not wav:
                    ended.append(True)
                elif count > 0:
                    samples.extend(ctypes.string_at(wav, 2 * count))
                if time.monotonic() > give_up:
                    hung.append(True)
                return 1 if hung or interrupted else 0

            if espeak.SetVoiceByName(voice.voice.encode()) != espeak.EE_OK:
                raise _no_voice(voice.voice)
            espeak.SetParameter(espeak.RATE, voice.rate, 0)
            espeak.SetParameter(espeak.VOLUME, int(round(voice.volume * 100, 2)), 0)
            espeak.SetParameter(espeak.PITCH, int(voice.pitch), 0)
            espeak.SetSynthCallback(take)
            status = espeak.Synth(text.encode("utf-8"), flags=espeak.ENDPAUSE | espeak.CHARS_UTF8)
        if hung:
            raise _hung(self.timeout_s, text)
        if interrupted:  # the handler before ours did not raise: still, no clip
            raise EngineError(f"the speech engine was interrupted on {text[:40]!r}")
        if status != espeak.EE_OK:
            raise EngineError(f"the speech engine failed on {text[:40]!r} (espeak-ng error {status}); run again")
        if not ended:  # espeak-ng returns EE_OK when told to stop, too
            raise EngineError(f"the speech engine stopped before the end of {text[:40]!r}; run again")
        return samples

    def _write(self, pieces: list[str], voice: Voice, path: Path, rate: int, done=None, in_child=False) -> None:
        """Speak ``pieces`` one after another into the WAV file ``path``."""
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            for piece in pieces:
                wav.writeframes(self._speak(piece, voice, in_child))
                if done:
                    done()

    def synthesize(self, text: str, voice: Voice, path: Path) -> Clip:
        path = Path(path)
        if not path.parent.is_dir():
            raise EngineError(f"cannot write clips to {path.parent}: no such folder")
        _, rate = _espeak()
        self._check_voice(voice.voice)
        pieces = split_for_engine(text) or ["."]
        temp = path.with_name(f".{path.stem}.{os.getpid()}.wav")
        try:
            if ISOLATED:
                with _speaking:
                    self._write_in_child(pieces, voice, temp, rate)
            else:
                self._write(pieces, voice, temp, rate)
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        return read_clip(path)

    def _write_in_child(self, pieces: list[str], voice: Voice, path: Path, rate: int) -> None:
        """``_write`` in a process forked for this clip (see the module's notes); returns
        once the child has written every piece and said so, raises otherwise."""
        readable, writable = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(readable)
            _speak_in_child(self, pieces, voice, path, rate, writable, parent)
        os.close(writable)
        try:
            report = self._await_child(pid, readable, pieces)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        finally:
            os.close(readable)
        _, status = os.waitpid(pid, 0)
        if b"!" not in report and report.endswith(b"ok") and status == 0:
            return
        failure = report.partition(b"!")[2].decode("utf-8", "replace")
        if failure:
            raise EngineError(failure)
        cause = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit code {os.waitstatus_to_exitcode(status)}"
        spoken = pieces[min(report.count(b"."), len(pieces) - 1)]
        raise EngineError(f"the speech engine crashed ({cause}) on {spoken[:40]!r}; run again, or report the text")

    def _await_child(self, pid: int, readable: int, pieces: list[str]) -> bytes:
        """What the child reported, once it closed its end of the pipe: a "." per piece
        written, then "ok", or "!" and an error message. Each piece has ``timeout_s``."""
        report = bytearray()
        deadline = time.monotonic() + self.timeout_s
        waiting = select.poll()  # not select(): a Dask worker may hold descriptors past 1024
        waiting.register(readable, select.POLLIN | select.POLLHUP)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _hung(self.timeout_s, pieces[min(report.count(b"."), len(pieces) - 1)])
            if not waiting.poll(max(1, int(left * 1000))):
                continue
            data = os.read(readable, 65536)
            if not data:
                return bytes(report)
            if b"." in data and b"!" not in report:
                deadline = time.monotonic() + self.timeout_s
            report += data


def _hung(timeout_s: float, text: str) -> EngineError:
    return EngineError(f"the speech engine hung for {timeout_s:g} s on {text[:40]!r}; try again, or report the text")


PR_SET_PDEATHSIG = 1


def _speak_in_child(engine: Pyttsx3Engine, pieces, voice, path: Path, rate: int, writable: int, parent: int) -> None:
    """The forked child's whole life: speak, report on the pipe, exit (never return)."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
        libc = c_library()
        if hasattr(libc, "prctl"):  # Linux
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a parent killed outright takes it along
        # espeak-ng 1.51 draws the breath noise of some voices (the +f variants, klatt) from
        # the C library's rand(), whose state anything in this process may have advanced
        # (opening a Dask cluster does): seed it as a fresh process has it.
        libc.srand(1)
        if os.getppid() != parent:
            return
        engine._write(pieces, voice, path, rate, done=lambda: os.write(writable, b"."), in_child=True)
        os.write(writable, b"ok")
        code = 0
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises it
        message = str(error) if isinstance(error, EngineError) else f"the speech engine failed: {error!r}"
        with contextlib.suppress(OSError):
            os.write(writable, b"!" + message.encode("utf-8", "replace")[:4000])
    finally:
        os._exit(code)
