"""Piper neural voices (the optional ``piper-tts`` package), with its quirks handled.

A Piper voice is a pair of files: ``NAME.onnx`` (the model) and ``NAME.onnx.json`` (its
config: sample rate, phoneme map, speakers). Users download them themselves; nothing here
ever downloads anything.

piper-tts 1.8 behaviour handled here:

- ``PiperVoice.synthesize`` stretches each sentence to full scale, so loudness would jump
  from sentence to sentence: we call the model sentence by sentence without that, and
  scale the whole utterance once (the programme's loudness stage does the rest).
- Text without anything speakable yields no audio chunks, and ``synthesize_wav`` then
  leaves a WAV without a format: we write a short silence instead.
- Phonemes missing from the voice's map are dropped with only a log line: we find them
  ourselves and warn once per voice, naming them.
- The espeak-ng phonemizer inside piper-tts is one per process (the model is chosen per
  call), so one engine per process serves every Piper voice a profile names.
- Text in ``[[ ]]`` is read as raw phonemes: brackets in article text are defused.
- Voices run at 16 000 or 22 050 Hz; clips are resampled to the programme rate (espeak-ng's
  22 050 Hz) so Piper and espeak-ng voices can share one programme.
- Its command line plays audio unless told to write a file: only the Python API is used.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import os
import sys
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import AudioArticlesError, EngineError, InputError, MissingToolError
from ...files import file_digest, file_signature
from ...model import Clip, Voice
from ..pitch import shift_identity, shift_pitch
from ..voice_packages import (
    NATURAL_VOICE,
    InstalledVoice,
    broken_voice_error,
    installed_voices,
    is_voice_name,
    resolve_voice_name,
)
from .base import Engine, VoiceInfo, read_clip
from .piper_model import bfloat16_decoder, cpu_session, device_providers, release_freed_memory, remembered_digest

log = logging.getLogger(__name__)

OUTPUT_RATE = 22050
"""Sample rate of every clip this engine writes: the rate espeak-ng clips have."""
NATURAL_RATE = 175
"""Words per minute that map to the voice's own speed (length scale as configured)."""
PEAK = 0.7
"""Peak level of each clip at volume 1.0 (≈ −3 dBFS): headroom, and even between clips."""
EMPTY_MS = 100
"""Silence written for text with nothing speakable in it."""
VOICES_URL = "https://huggingface.co/rhasspy/piper-voices"
INSTALL_HINT = "pip install 'audio-articles[piper]'"
NATURAL_HINT = "pip install 'audio-articles[natural]' (piper-tts with the natural profile's voice; in a clone: make setup)"


def defuse_phoneme_blocks(text: str) -> str:
    """Stop ``[[ … ]]`` in article text being read as raw phonemes by piper-tts.

    >>> defuse_phoneme_blocks("See [[Main Page]] and [x].")
    'See [ [Main Page] ] and [x].'
    """
    return text.replace("[[", "[ [").replace("]]", "] ]")


def length_scale(rate: int, voice_scale: float = 1.0) -> float:
    """Piper's length scale for a rate in words per minute (longer phonemes = slower).

    >>> length_scale(175)
    1.0
    >>> length_scale(350, voice_scale=1.2)
    0.6
    """
    return round(voice_scale * NATURAL_RATE / max(rate, 1), 4)


def smooth_at_least(n: int) -> int:
    """The smallest number ≥ n with no prime factor above 7: FFTs of that size are fast.

    >>> smooth_at_least(1), smooth_at_least(11), smooth_at_least(1009)
    (1, 12, 1024)
    """
    candidate = max(1, n)
    while True:
        rest = candidate
        for prime in (2, 3, 5, 7):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return candidate
        candidate += 1


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Band-limited resampling (FFT) of float samples from ``rate`` to ``target`` Hz.

    The input is padded with silence to a whole number of blocks (320 samples in, 441 out
    for 16 000 -> 22 050 Hz) of an FFT-friendly count: an FFT of a length with a large
    prime factor is many times slower.

    >>> resample(np.ones(16000), 16000, 22050).shape
    (22050,)
    """
    if rate == target or samples.size == 0:
        return samples
    common = math.gcd(rate, target)
    up, down = target // common, rate // common
    blocks = smooth_at_least(-(-samples.size // down))
    padded = np.zeros(blocks * down)
    padded[: samples.size] = samples
    resampled = np.fft.irfft(np.fft.rfft(padded), blocks * up) * (up / down)
    return resampled[: round(samples.size * up / down)]


@dataclass(frozen=True)
class PiperVoiceFile:
    """A Piper voice found on disk (config read; model not loaded)."""

    model: Path
    config: Path
    language: str
    sample_rate: int
    speakers: tuple[str, ...]
    """Speaker names by id for multi-speaker voices; empty for single-speaker ones."""
    quality: str = ""

    @property
    def name(self) -> str:
        return self.model.name.removesuffix(".onnx")


def missing_model_error(model: Path) -> InputError:
    return InputError(
        f"Piper voice model {str(model)!r} not found; download a voice (the .onnx file and "
        f"its .onnx.json) from {VOICES_URL} and give its path"
    )


def voice_paths(model: str | os.PathLike[str]) -> tuple[Path, Path]:
    """A voice's model and config files; InputError saying what to download when one is missing."""
    model = Path(model).expanduser()
    if not model.is_file():
        raise missing_model_error(model)
    config = Path(f"{model}.json")
    if not config.is_file():
        raise InputError(
            f"Piper voice {model.name} has no config {config.name} beside it; download the "
            f".onnx.json that belongs to the voice from {VOICES_URL} into {model.parent}"
        )
    return model, config


def read_voice_file(model: str | os.PathLike[str]) -> PiperVoiceFile:
    """Check a voice's two files exist and its config is usable; raise InputError if not."""
    model, config = voice_paths(model)
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        speaker_map = data.get("speaker_id_map") or {}
        speakers = int(data.get("num_speakers", 1))
        by_id = {index: name for name, index in speaker_map.items()}
        return PiperVoiceFile(
            model=model,
            config=config,
            language=str((data.get("language") or {}).get("code") or data["espeak"]["voice"]),
            sample_rate=int(data["audio"]["sample_rate"]),
            speakers=tuple(by_id.get(n, str(n)) for n in range(speakers)) if speakers > 1 else (),
            quality=str(data["audio"].get("quality", "")),
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise InputError(f"{config}: not a Piper voice config ({type(err).__name__}: {err})") from None


def find_voice_files(folders: list[Path]) -> list[PiperVoiceFile]:
    """Piper voices (``*.onnx`` with a readable ``.onnx.json``) in the given folders."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for model in sorted(folder.glob("*.onnx")):
            try:
                found.append(read_voice_file(model))
            except InputError as err:
                log.warning("skipping %s: %s", model, err)
    return found


def installed_voice_files() -> list[tuple[InstalledVoice, PiperVoiceFile]]:
    """The Piper voices installed as packages (``voice_packages.py``), configs read; a
    damaged one is skipped with a warning saying what to reinstall."""
    found = []
    for voice in installed_voices():
        try:
            found.append((voice, read_voice_file(voice.model)))
        except InputError as err:
            log.warning("%s", broken_voice_error(voice, str(err)))
    return found


def voice_folders() -> list[Path]:
    """Where ``audio-articles voices`` looks for Piper voices: the user's voices folder,
    then the project's ``voices/``."""
    from ..voices import profile_search_path

    return profile_search_path()


def _describe(voice: PiperVoiceFile) -> str:
    speakers = f", speakers 0-{len(voice.speakers) - 1}" if voice.speakers else ""
    return f"{voice.language}, {voice.sample_rate} Hz{speakers}"


def voice_listing() -> list[str]:
    """The Piper section of ``audio-articles voices``: one line per voice file found in the
    voices folders, then one per voice installed as a package."""
    folders = voice_folders()
    found = find_voice_files(folders)
    if found:
        lines = [f"Piper voices ({len(found)}), used with --model FILE or model = \"FILE\" in a profile:"]
        lines += [f"  {voice.model}  {_describe(voice)}" for voice in found]
    else:
        lines = [
            f"Piper voices: none in {' or '.join(str(f) for f in folders)}; put a voice's .onnx and "
            f".onnx.json there (from {VOICES_URL}) and install {INSTALL_HINT}"
        ]
    packaged = installed_voice_files()
    if not packaged:
        return [*lines, f"Installed Piper voices: none; {NATURAL_HINT} installs {NATURAL_VOICE}"]
    lines.append(f"Installed Piper voices ({len(packaged)}), used by name, e.g. model = \"{packaged[0][0].name}\":")
    lines += [
        f"  {voice.name}  {_describe(file)}  (package {voice.package} {voice.version})" for voice, file in packaged
    ]
    return lines


def piper_voices_json() -> list[dict]:
    """The Piper voices found, for ``audio-articles voices --json``: files in the voices
    folders ("package" null), then the installed ones (with their name and package)."""
    files = [(None, voice) for voice in find_voice_files(voice_folders())]
    return [
        {
            "model": str(voice.model),
            "name": voice.name,
            "package": installed.package if installed else None,
            "language": voice.language,
            "sample_rate": voice.sample_rate,
            "speakers": list(voice.speakers),
        }
        for installed, voice in files + installed_voice_files()
    ]


def _installed(module: str) -> bool:
    if module in sys.modules:
        return sys.modules[module] is not None  # None: hidden, as ``import`` would fail
    import importlib.util

    return importlib.util.find_spec(module) is not None


class PiperEngine(Engine):
    """Speech through piper-tts: one engine per process, any number of voice files."""

    name = "piper"
    streams = True

    def __init__(self, output_rate: int = OUTPUT_RATE) -> None:
        # Found, not imported: a process that only computes cache keys (the main process
        # of a pooled conversion) is spared their ≈ 22 MB.
        if not (_installed("onnxruntime") and _installed("piper")):
            raise MissingToolError(
                f"Piper voices need the optional piper-tts package; install it with {NATURAL_HINT}, or {INSTALL_HINT}"
            ) from None
        self.output_rate = output_rate
        self._loaded: dict[Path, tuple[tuple, object]] = {}
        """Loaded voices by model path, with the files' signatures they were loaded from."""
        self._warned: set[tuple[Path, str]] = set()
        """(model, phoneme) pairs already reported."""
        self._loading = threading.Lock()

    def identity(self) -> str:
        from importlib.metadata import version

        runtimes = f"onnxruntime-{version('onnxruntime')}"
        if bfloat16_decoder():  # its samples differ from float32's by bfloat16's rounding
            runtimes += f"/openvino-{version('openvino')}-bf16"
        return f"piper-tts-{version('piper-tts')}/{runtimes}/{self.output_rate}Hz"

    def voice_identity(self, voice: Voice) -> str:
        """What the voice contributes to the cache key: the model's and config's hashes, and
        the pitch shift's method when there is one."""
        model, config = voice_paths(self._model_path(voice))
        shift = shift_identity(voice.pitch_shift)
        # A voice model is tens of MB: hashed once, not once per process or per clip.
        model_digest = file_digest(model, remember=remembered_digest)
        return f"{model_digest[:16]}/{file_digest(config)[:16]}" + (f"/{shift}" if shift else "")

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(id=str(found.model), name=found.name, languages=(found.language,))
            for found in find_voice_files(voice_folders()) + [file for _, file in installed_voice_files()]
        ]

    @staticmethod
    def _resolve(voice: Voice) -> tuple[Path, InstalledVoice | None]:
        """The voice's model file and, when an installed package provides it, that package."""
        if not voice.model:
            raise InputError(
                "a Piper voice needs a model file: give --model path/to/voice.onnx, or set "
                f"model = \"….onnx\" in the voice profile (voices: {VOICES_URL})"
            )
        if is_voice_name(voice.model):
            return resolve_voice_name(voice.model, voice_folders())
        return Path(voice.model).expanduser(), None

    @classmethod
    def _model_path(cls, voice: Voice) -> Path:
        return cls._resolve(voice)[0]

    def _load(self, voice: Voice):
        """The loaded PiperVoice for ``voice.model``; a packaged voice that fails to load
        says which package to reinstall."""
        path, package = self._resolve(voice)
        try:
            return self._load_file(path)
        except InputError as err:
            if package is None:
                raise
            raise broken_voice_error(package, str(err).removeprefix(f"{path}: ")) from None

    def warm_voice(self, voice: Voice) -> None:
        """Load ``voice`` now (a preview does it in a thread while it looks up the clips)."""
        self._load(voice)

    def _load_file(self, path: Path):
        """The loaded PiperVoice for a model file: loaded once per process, and again when
        its files are replaced."""
        with self._loading:
            return self._load_file_unlocked(path)

    def _load_file_unlocked(self, path: Path):
        model, config_path = voice_paths(path)
        signature = (file_signature(model), file_signature(config_path))
        if path in self._loaded and self._loaded[path][0] == signature:
            return self._loaded[path][1]
        found = read_voice_file(path)
        import onnxruntime
        from piper import PiperConfig, PiperVoice

        try:
            config = PiperConfig.from_dict(json.loads(found.config.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as err:
            raise InputError(f"{found.config}: not a Piper voice config ({type(err).__name__}: {err})") from None
        # Errors only: onnxruntime's warnings (about the session, and its process-wide ones
        # while the voice is prepared) mean nothing to a listener.
        onnxruntime.set_default_logger_severity(3)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        in_pool = multiprocessing.parent_process() is not None
        if in_pool:
            # A worker of the speech pool: the pool already uses every core, one thread each.
            options.intra_op_num_threads = 1
        # Idle threads sleep instead of spinning: on a shared machine a spinning thread
        # takes a core from the other worker.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # A memory pattern is kept per input shape, and every sentence has its own: they
        # only pile up (≈ 45 MB a worker after 60 sentences), for no measurable speed.
        options.enable_mem_pattern = False
        try:
            if device_providers() == ["CPUExecutionProvider"]:
                # A preview (not a pool worker) speaks before OpenVINO is loaded.
                session = cpu_session(path, options, ["CPUExecutionProvider"], wait_for_openvino=in_pool)
            else:
                session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=device_providers())
        except Exception as err:  # onnxruntime raises its own untyped errors for bad files
            raise InputError(f"{path}: not a usable Piper voice model ({str(err).splitlines()[0][:200]})") from None
        release_freed_memory()  # the model file's parsed copy, freed once the weights are in place
        loaded = PiperVoice(config=config, session=session)
        self._loaded[path] = (signature, loaded)
        return loaded

    def _check_speaker(self, voice: Voice, config) -> int | None:
        if voice.speaker is None:
            return None
        if config.num_speakers <= 1:
            raise InputError(
                f"Piper voice {Path(voice.model).name} has a single speaker; remove speaker = {voice.speaker}"
            )
        if not 0 <= voice.speaker < config.num_speakers:
            raise InputError(
                f"Piper voice {Path(voice.model).name} has speakers 0 to {config.num_speakers - 1}; "
                f"speaker {voice.speaker} does not exist"
            )
        return voice.speaker

    def _warn_missing(self, voice: Voice, missing: set[str], text: str) -> None:
        """Warn once per voice and sound: a long article would otherwise repeat it endlessly."""
        model = Path(voice.model)
        new = sorted(p for p in missing if (model, p) not in self._warned)
        if not new:
            return
        self._warned.update((model, p) for p in new)
        log.warning(
            "Piper voice %s cannot say the sounds %s (first in %r); they are skipped. "
            "Is the voice for the article's language?",
            model.name, " ".join(repr(p) for p in new), text[:40],
        )  # fmt: skip

    def _spoken(self, text: str, voice: Voice):
        """The loaded voice, and each sentence's samples at the voice's own rate, unscaled,
        as the model speaks them."""
        from piper import SynthesisConfig

        piper_voice = self._load(voice)
        config = piper_voice.config
        synthesis = SynthesisConfig(
            speaker_id=self._check_speaker(voice, config),
            length_scale=length_scale(voice.rate, config.length_scale),
            normalize_audio=False,
        )
        known = config.phoneme_id_map

        def sentences():
            try:
                spoken = piper_voice.phonemize(defuse_phoneme_blocks(text))
                missing = {p for phonemes in spoken for p in phonemes if p not in known}
                if missing:
                    self._warn_missing(voice, missing, text)
                for phonemes in spoken:
                    phonemes = [p for p in phonemes if p in known]
                    if not phonemes:
                        continue
                    ids = piper_voice.phonemes_to_ids(phonemes)
                    audio = piper_voice.phoneme_ids_to_audio(ids, synthesis)
                    yield np.nan_to_num(np.asarray(audio, dtype=np.float64).reshape(-1))
            except AudioArticlesError:
                raise  # ours (a bad speaker, a missing file) already say what to do
            except Exception as err:  # the model or onnxruntime failed on this text
                raise EngineError(
                    f"Piper voice {Path(voice.model).name} failed on {text[:40]!r} ({type(err).__name__}: {err})"
                ) from None

        return config, sentences()

    def _finish(self, pieces: list[np.ndarray], rate: int, text: str, voice: Voice) -> np.ndarray:
        """The utterance from its sentences: pitch-shifted, resampled, peak-scaled once."""
        samples = np.concatenate(pieces) if pieces else np.zeros(0)
        if not np.any(np.abs(samples) > 1e-6):
            log.info("nothing speakable in %r; writing %d ms of silence", text[:40], EMPTY_MS)
            return np.zeros(self.output_rate * EMPTY_MS // 1000)
        samples = shift_pitch(samples, rate, voice.pitch_shift)
        samples = resample(samples, rate, self.output_rate)
        return samples * (PEAK * voice.volume / max(np.max(np.abs(samples)), 1e-9))

    def render(self, text: str, voice: Voice) -> np.ndarray:
        """The utterance as float samples at ``output_rate``, peak-scaled once as a whole."""
        config, sentences = self._spoken(text, voice)
        return self._finish(list(sentences), config.sample_rate, text, voice)

    def stream(self, text: str, voice: Voice, path: Path, emit) -> Clip:
        """``synthesize``, telling ``emit`` each sentence's samples (float, at
        ``output_rate``) as soon as the model has spoken it: a preview plays the first
        sentence while the next is rendered. The sentences heard are scaled by the first
        one's peak (the whole utterance's is not known yet); the clip written is exactly
        ``render``'s."""
        self._check_folder(Path(path))
        config, sentences = self._spoken(text, voice)
        pieces: list[np.ndarray] = []
        gain = None
        for raw in sentences:
            pieces.append(raw)
            heard = resample(shift_pitch(raw, config.sample_rate, voice.pitch_shift), config.sample_rate, self.output_rate)
            if gain is None:
                gain = PEAK * voice.volume / max(float(np.max(np.abs(heard), initial=0.0)), 1e-9)
            emit(np.clip(heard * gain, -1.0, 1.0))
        samples = self._finish(pieces, config.sample_rate, text, voice)
        if gain is None:
            emit(samples)
        return self._write(samples, Path(path))

    def synthesize(self, text: str, voice: Voice, path: Path) -> Clip:
        self._check_folder(Path(path))
        clip = self._write(self.render(text, voice), Path(path))
        release_freed_memory()  # the clip's float copies, so a worker's memory stays flat
        return clip

    @staticmethod
    def _check_folder(path: Path) -> None:
        if not path.parent.is_dir():
            raise EngineError(f"cannot write clips to {path.parent}: no such folder")

    def _write(self, samples: np.ndarray, path: Path) -> Clip:
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with wave.open(str(temp), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(self.output_rate)
                wav.writeframes(pcm.tobytes())
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        return read_clip(path)
