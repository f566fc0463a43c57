"""A Piper voice model prepared for fast CPU inference, kept in the user's cache folder.

The voice's graph is rewritten for onnxruntime's fast CPU kernels (``piper_graph``: 2-D
convolutions, upsampling as plain convolutions, the decoder apart), computing the same
samples; then:

- **The decoder in chunks** (``DecoderInChunks``): a sentence's latent frames are turned
  into samples a few seconds at a time, so a worker's memory no longer grows with the
  longest sentence.
- **The optimised graph, serialised.** onnxruntime's graph optimisation of the voice
  takes ≈ 0.35 s of CPU at every load; the optimised model is saved once and then loaded
  with optimisation off (0.12 s instead of 0.46-0.67 s).
- **The decoder in bfloat16** (``OpenVinoDecoder``), where the processor computes in
  bfloat16 (AVX-512 BF16, AMX) and the optional ``openvino`` package is installed:
  OpenVINO compiles the decoder once for a fixed number of frames and runs it ≈ 2× faster
  than onnxruntime's float32; its samples differ from float32's by bfloat16's rounding
  (≈ 40 dB under the signal), with the same noise floor.

The prepared files (``<voice>-<digest>.front.onnx`` with its weights beside it,
``….front-<pid>.weights``, mapped into memory and so shared by the workers;
``….decoder.onnx``; and the decoder before onnxruntime's optimisation, which OpenVINO
reads, ``….decoder-portable.onnx``; or one
``<voice>-<digest>.onnx`` when the decoder cannot be split) are named after the model
file (path, size, modification time), the onnxruntime version, this rewrite's version
and the CPU's feature flags (the optimised graph uses the instruction set it was made
on), in ``$AUDIO_ARTICLES_MODEL_CACHE`` or ``…/audio-articles/models`` in the user's
cache folder. Without the ``onnx`` package, or when anything fails, the original model
is loaded as before.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import importlib.util
import logging
import os
import platform
import re
import threading
from pathlib import Path

from ...files import remove_files_of_dead_processes

log = logging.getLogger(__name__)

REWRITE_VERSION = 5
"""Bump when ``piper_graph`` changes: prepared models of older versions are no longer used."""
CHUNK_FRAMES = 200
"""Latent frames the decoder turns into samples at a time (≈ 2.3 s of speech at 22 050
Hz, 256 samples a frame): larger chunks hold more memory, smaller ones repeat more
context. Measured with one decoder on 40 sentences of 0.3-21 s: whole sentences 600 MB
and 19.0 CPU-s; chunks of 400 frames 293 MB and 17.4; of 300, 205 MB and 17.9; of 200,
177 MB and 18.1; of 100 frames, 18 % more CPU than whole sentences."""
WINDOW_FRAMES = 112
"""Latent frames OpenVINO's decoder takes at a time, its context included: compiled for
this one length (a new length would compile again; a dynamic length ran 1.5× slower).
Measured on 40 sentences, one thread: windows of 64 frames 0.039 CPU-s a second of
speech; 88, 0.035; 104-164, 0.033; 224, 0.036 (more padding); the worker's memory
grows with the window (+45 MB at 64 frames, +58 at 104, +96 at 224)."""
OPENVINO_ENV = "AUDIO_ARTICLES_OPENVINO"
"""``0`` keeps the decoder in onnxruntime's float32 even where OpenVINO could run it."""
MODEL_CACHE_ENV = "AUDIO_ARTICLES_MODEL_CACHE"
DEVICE_ENV = "AUDIO_ARTICLES_DEVICE"
"""``cpu`` (the default), ``cuda`` or ``auto``: set by ``--device``, read by every worker."""
DEVICES = ("cpu", "cuda", "auto")
CUDA = "CUDAExecutionProvider"
GPU_HINT = "pip install onnxruntime-gpu (in place of onnxruntime) with an NVIDIA driver and CUDA 12"


def device_providers(device: str | None = None) -> list[str]:
    """onnxruntime's providers for a device: ``auto`` is CUDA when onnxruntime offers it
    (the onnxruntime-gpu package), else the CPU; ``cuda`` without it is an error."""
    from ...errors import InputError, MissingToolError

    device = (device or os.environ.get(DEVICE_ENV) or "cpu").lower()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if device not in DEVICES:
        raise InputError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
    import onnxruntime

    if CUDA in onnxruntime.get_available_providers():
        return [CUDA, "CPUExecutionProvider"]
    if device == "cuda":
        raise MissingToolError(f"--device cuda: onnxruntime offers no CUDA here; {GPU_HINT}")
    return ["CPUExecutionProvider"]


def use_device(device: str | None) -> None:
    """Make ``device`` the one every Piper voice of this process and its workers (started
    after this) runs on; None leaves ``$AUDIO_ARTICLES_DEVICE`` (else the CPU). Checked
    now: ``cuda`` without onnxruntime-gpu fails before any work starts."""
    if device is None:
        return
    if device != "cpu":
        device_providers(device)
    os.environ[DEVICE_ENV] = device


def release_freed_memory() -> None:
    """Give memory freed on the C heap back to the system (glibc keeps it otherwise):
    ≈ 26 MB a worker after loading the natural voice. Nothing where there is no glibc."""
    from .base import c_library

    trim = getattr(c_library(), "malloc_trim", None)
    if trim is not None:
        trim(0)


def model_cache_dir() -> Path:
    env = os.environ.get(MODEL_CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("audio-articles")) / "models"


def remembered_digest(path: str, signature: tuple[int, int, int], compute) -> str:
    """A large file's digest, kept in the model cache under its path and signature (inode,
    size, modification time: what changes when a file is replaced or rewritten), so a
    process that only needs the voice's cache key does not read 63 MB to get it."""
    folder = model_cache_dir() / "digests"
    memo = folder / hashlib.sha256(f"{os.path.abspath(path)}\n{signature}".encode()).hexdigest()[:32]
    try:
        text = memo.read_text(encoding="ascii").strip()
        if len(text) == 64:
            return text
    except (OSError, UnicodeDecodeError):
        pass
    digest = compute()
    _keep(digest.encode("ascii"), memo)
    return digest


def _keep(data: bytes, path: Path) -> bool:
    """Write ``data`` to ``path`` in the model cache through a temporary file beside it,
    replaced in one step; False, leaving nothing behind, when it cannot be written (the
    cache is a convenience: what is not kept is made again)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        name = path.name
        remove_files_of_dead_processes(path.parent, f".{glob.escape(name)}.*", rf"\.{re.escape(name)}\.(\d+)")
        temp.write_bytes(data)
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)
        return False
    return True


@functools.cache
def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("flags"):
                    return line
    except OSError:
        pass
    return platform.processor()


def bfloat16_decoder() -> bool:
    """Whether a Piper voice's decoder runs in OpenVINO at bfloat16: the processor computes
    in bfloat16 (AVX-512 BF16 or AMX; elsewhere OpenVINO would compute in float32, slower
    than onnxruntime), the ``openvino`` package is installed, and ``$AUDIO_ARTICLES_OPENVINO``
    is not ``0``. Decided without importing either runtime: the main process only needs
    it for the clips' cache key."""
    if os.environ.get(OPENVINO_ENV, "").strip() == "0":
        return False
    flags = _cpu_flags().split()
    return ("avx512_bf16" in flags or "amx_bf16" in flags) and importlib.util.find_spec("openvino") is not None


def prepared_name(model: Path) -> str:
    import onnxruntime

    stat = model.stat()
    facts = [str(model.resolve()), str(stat.st_size), str(stat.st_mtime_ns), onnxruntime.__version__,
             str(REWRITE_VERSION), platform.machine(), _cpu_flags()]  # fmt: skip
    digest = hashlib.sha256("\n".join(facts).encode()).hexdigest()[:24]
    return f"{model.name.removesuffix('.onnx')}-{digest}.onnx"


class OnnxDecoder:
    """The decoder in onnxruntime, float32: any number of frames at a time."""

    def __init__(self, session) -> None:
        self.session = session
        self.frames_input = session.get_inputs()[0].name

    def decode(self, frames):
        return self.session.run(None, {self.frames_input: frames})[0].reshape(-1)


class OpenVinoDecoder:
    """A prepared voice's decoder (``….decoder-portable.onnx``) compiled by OpenVINO in
    bfloat16 for exactly ``WINDOW_FRAMES`` frames (one length: it compiles once). The
    compiled decoder is kept next to it (``….decoder-bf16-<digest>.blob``, named after
    the window and OpenVINO's version): importing it takes 0.04 s where compiling takes
    0.26. ``threads`` 0 lets OpenVINO use every core. Threads are not pinned to cores:
    each worker process would pin its thread to the same core."""

    def __init__(self, prepared: Path, threads: int = 0) -> None:
        import openvino

        self.window = WINDOW_FRAMES
        core = openvino.Core()
        config = {"INFERENCE_PRECISION_HINT": "bf16", "INFERENCE_NUM_THREADS": threads, "ENABLE_CPU_PINNING": False}
        key = hashlib.sha256(f"{openvino.get_version()}\n{self.window}".encode()).hexdigest()[:12]
        kept = prepared.with_name(f"{prepared.stem}.decoder-bf16-{key}.blob")
        compiled = None
        if kept.is_file():
            try:
                compiled = core.import_model(kept.read_bytes(), "CPU", config)
            except Exception:  # noqa: BLE001 - unreadable: compiled again below
                log.debug("could not import %s; compiling the decoder again", kept, exc_info=True)
        if compiled is None:
            model = core.read_model(str(part_path(prepared, "decoder-portable")))
            channels = model.input(0).get_partial_shape()[1].get_length()
            model.reshape({0: [1, channels, self.window]})
            compiled = core.compile_model(model, "CPU", config)
            if _keep(compiled.export_model().getvalue(), kept):
                for other in kept.parent.glob(f"{prepared.stem}.decoder-bf16-*.blob"):
                    if other != kept:
                        other.unlink(missing_ok=True)  # another window's, or OpenVINO version's
        self.request = compiled.create_infer_request()

    def decode(self, frames):
        return self.request.infer({0: frames})[0].reshape(-1)


class DecoderInChunks:
    """A voice run as its two parts (see ``piper_graph.split``), with onnxruntime's
    ``run`` as PiperVoice calls it: the front turns the sentence into latent frames, then
    the decoder turns them into samples a chunk at a time, each chunk with ``margin``
    frames of context on each side (or the sentence's own edge) whose samples are dropped.

    With a margin past the decoder's receptive field the samples are the whole decoder's,
    bit for bit; the decoder's working memory is then that of a chunk, not of the longest
    sentence (≈ 20 MB a second of speech for the natural voice), and a chunk's tensors
    stay in the processor's caches better: a little less CPU, not more.

    ``decoder`` (an ``OnnxDecoder``) takes chunks of any length, at most ``CHUNK_FRAMES``.
    ``windowed`` (an ``OpenVinoDecoder``), once there, takes every sentence of at least
    its window's length, in windows of exactly that length: the last one ends at the
    sentence's end and overlaps the one before more. Padding a shorter sentence would not
    give the decoder's samples (its zeros are not the convolutions' own padding), so those
    go to ``decoder``. ``load_windowed`` makes it (or None) in a thread while the first
    sentences are spoken (loading OpenVINO takes ≈ 0.2 s). With ``wait``, a sentence it
    would take waits for it (``windowed_loaded``): a speech worker's onnxruntime memory
    stays that of short sentences. Without, ``decoder`` speaks until it is there: a
    preview's first sentence is heard ≈ 0.2 s sooner.
    """

    def __init__(self, front, decoder: OnnxDecoder, margin: int, load_windowed=None, wait: bool = True) -> None:
        self.front, self.decoder, self.margin, self.wait = front, decoder, margin, wait
        self.windowed: OpenVinoDecoder | None = None
        self.windowed_loaded = threading.Event()
        if load_windowed is None:
            self.windowed_loaded.set()
        else:
            # Never a daemon (as it would be when started by one, a preview's voice loader):
            # a process that ends while OpenVINO loads waits for it (≈ 0.2 s); a daemon
            # thread stopped inside OpenVINO at exit aborts the process.
            loader = threading.Thread(target=self._load, args=(load_windowed,), name="openvino-decoder", daemon=False)
            loader.start()

    def run(self, output_names, feeds: dict) -> list:
        frames = self.front.run(None, feeds)[0]
        if self.wait and frames.shape[2] >= WINDOW_FRAMES:
            self.windowed_loaded.wait()
        windowed = self.windowed
        if windowed is not None and frames.shape[2] >= windowed.window:
            return [self._in_windows(frames, windowed)]
        return [self._in_chunks(frames)]

    def _load(self, loader) -> None:
        try:
            self.windowed = loader()
            release_freed_memory()  # what compiling or importing it used
        finally:
            self.windowed_loaded.set()

    def _in_chunks(self, frames):
        import numpy as np

        total = frames.shape[2]
        if total <= CHUNK_FRAMES:
            return self.decoder.decode(frames)
        size = -(-total // -(-total // CHUNK_FRAMES))  # equal chunks: the arena reuses its blocks
        pieces = []
        for start in range(0, total, size):
            end = min(total, start + size)
            low, high = max(0, start - self.margin), min(total, end + self.margin)
            pieces.append(self._kept(self.decoder.decode(frames[:, :, low:high]), high - low, start - low, end - low))
        return np.concatenate(pieces)

    def _in_windows(self, frames, windowed: OpenVinoDecoder):
        import numpy as np

        total, window, margin = frames.shape[2], windowed.window, self.margin
        pieces, start = [], 0
        while start < total:
            low = max(0, start - margin)
            if low + window >= total:
                low, end = total - window, total  # at least ``margin`` before ``start``
            else:
                end = low + window - margin
            audio = windowed.decode(frames[:, :, low : low + window])
            pieces.append(self._kept(audio, window, start - low, end - low))
            start = end
        return np.concatenate(pieces)

    @staticmethod
    def _kept(audio, frames: int, first: int, last: int):
        """The samples of frames ``first`` to ``last`` of a chunk's ``audio``, copied:
        OpenVINO writes the next window into the same buffer."""
        hop = audio.size // frames
        return audio[first * hop : last * hop].copy()


def _split_voice(prepared: Path, front, decoder, margin: int, threads: int, wait: bool) -> DecoderInChunks:
    """The split voice from its onnxruntime sessions, with OpenVINO's decoder in bfloat16
    beside onnxruntime's where ``bfloat16_decoder`` says so, its window holds more than
    the context on both sides, and it compiles."""
    portable = part_path(prepared, "decoder-portable")
    if not (bfloat16_decoder() and portable.is_file() and WINDOW_FRAMES > 2 * margin):
        return DecoderInChunks(front, OnnxDecoder(decoder), margin)

    def load_windowed() -> OpenVinoDecoder | None:
        try:
            return OpenVinoDecoder(prepared, threads)
        except Exception:  # noqa: BLE001 - OpenVINO's own errors: onnxruntime still speaks
            log.debug("OpenVINO could not compile %s; decoding with onnxruntime", portable, exc_info=True)
            return None

    return DecoderInChunks(front, OnnxDecoder(decoder), margin, load_windowed, wait)


def _load(path: Path, options, providers: list[str]):
    import onnxruntime

    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=providers)


EXTERNAL_WEIGHTS = "session.optimized_model_external_initializers_file_name"


def _optimised(source: Path, target: Path, options, providers: list[str], weights: str = ""):
    """A session for ``source``, optimised, the optimised graph saved to ``target``; with
    ``weights``, its weights in that file beside it: onnxruntime then maps the file into
    memory instead of copying it, so the workers share one copy (the natural voice's
    front: 55 MB a worker, ≈ 27 of them saved in each worker's proportional memory)."""
    options.optimized_model_filepath = str(target)
    options.add_session_config_entry(EXTERNAL_WEIGHTS, weights)
    try:
        return _load(source, options, providers)
    finally:
        options.optimized_model_filepath = ""
        options.add_session_config_entry(EXTERNAL_WEIGHTS, "")


def _prepare(model: Path, prepared: Path, options, providers: list[str]) -> None:
    """Make the prepared copy (in two parts when the decoder can be split): temporary
    files next to ``prepared``, renamed into place when complete."""
    import onnx
    import onnxruntime

    from .piper_graph import MARGIN, receptive_margin, rewrite, split

    folder, stem = prepared.parent, prepared.stem
    # What a preparation killed on the way left behind (≈ 60 MB a file).
    remove_files_of_dead_processes(folder, f".{glob.escape(stem)}.*.onnx", rf"\.{re.escape(stem)}\.(\d+)\.[\w-]+\.onnx")
    parts = ("rewritten", "front", "decoder", "front-optimised", "decoder-optimised", "whole")
    temporary = [folder / f".{stem}.{os.getpid()}.{part}.onnx" for part in parts]
    rewritten, front, decoder, front_optimised, decoder_optimised, whole = temporary
    weights, placed = "", False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        rewrite(model, rewritten)
        if split(rewritten, front, decoder):
            # Named for this preparation: a process that mapped an earlier one keeps it.
            weights = f"{stem}.front-{os.getpid()}.weights"
            _optimised(front, front_optimised, options, providers, weights)
            decoder_session = _optimised(decoder, decoder_optimised, options, providers)
            margin = receptive_margin(decoder_session)
            if margin is not None:
                for path in (decoder_optimised, decoder):
                    part = onnx.load(str(path))
                    part.metadata_props.add(key=MARGIN, value=str(margin))
                    onnx.save(part, str(path))
                os.replace(front_optimised, part_path(prepared, "front"))
                placed = True
                for earlier in folder.glob(f"{stem}.front-*.weights"):
                    if earlier.name != weights:
                        earlier.unlink(missing_ok=True)
                os.replace(decoder, part_path(prepared, "decoder-portable"))
                os.replace(decoder_optimised, part_path(prepared, "decoder"))
                return
        _optimised(rewritten, whole, options, providers)
        os.replace(whole, prepared)
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)
        if weights and not placed:  # the front they belong to was not kept
            (folder / weights).unlink(missing_ok=True)


def part_path(prepared: Path, part: str) -> Path:
    """Where a split voice's ``front`` or ``decoder`` is kept, next to ``prepared``."""
    return prepared.with_name(f"{prepared.stem}.{part}.onnx")


def _load_prepared(prepared: Path, options, providers: list[str], wait: bool):
    """The prepared copy's session (a split voice's two), or None when there is none."""
    import onnxruntime

    from .piper_graph import MARGIN

    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    front, decoder = part_path(prepared, "front"), part_path(prepared, "decoder")
    if front.is_file() and decoder.is_file():
        decoder_session = _load(decoder, options, providers)
        margin = int(decoder_session.get_modelmeta().custom_metadata_map.get(MARGIN))
        front_session = _load(front, options, providers)
        return _split_voice(prepared, front_session, decoder_session, margin, options.intra_op_num_threads, wait)
    if prepared.is_file():
        return _load(prepared, options, providers)
    return None


def _prepare_once(model: Path, prepared: Path, options, providers: list[str], wait: bool):
    """The prepared copy's session, made by ``_prepare`` under a lock in the model cache
    (of two workers starting on a voice not yet prepared, one prepares it and the other
    loads what it made), then loaded from its files like any later run: so the weights
    are mapped from the file here too."""
    from filelock import FileLock

    prepared.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(prepared.with_name(f".{prepared.stem}.lock"))):
        try:
            session = _load_prepared(prepared, options, providers, wait)
        except Exception:  # noqa: BLE001 - damaged: made again
            session = None
        if session is None:
            _prepare(model, prepared, options, providers)
            session = _load_prepared(prepared, options, providers, wait)
    if session is None:
        raise RuntimeError(f"{prepared}: prepared, but not found")
    return session


def cpu_session(model: Path, options, providers: list[str], wait_for_openvino: bool = True):
    """An onnxruntime session (or ``DecoderInChunks``) for ``model`` from its prepared
    copy, made (and saved) on first use; the original model when preparing fails.
    ``wait_for_openvino``: see ``DecoderInChunks``."""
    folder = model_cache_dir()
    try:
        prepared = folder / prepared_name(model)
        session = _load_prepared(prepared, options, providers, wait_for_openvino)
        if session is not None:
            return session
    except OSError:
        return _load(model, options, providers)
    except Exception:  # noqa: BLE001 - a damaged prepared copy: make it again
        log.debug("prepared model %s unusable, preparing again", prepared, exc_info=True)
    try:
        session = _prepare_once(model, prepared, options, providers, wait_for_openvino)
    except Exception:  # noqa: BLE001 - no onnx package, a read-only cache, an unusual model
        log.debug("could not prepare %s for speed; using it as it is", model, exc_info=True)
        import onnxruntime

        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        return _load(model, options, providers)
    stem = model.name.removesuffix(".onnx")
    for older in [*folder.glob(f"{stem}-*"), *folder.glob(f".{stem}-*.lock")]:
        if not older.name.lstrip(".").startswith(prepared.stem):
            older.unlink(missing_ok=True)  # made from an earlier version of this voice, or onnxruntime
    return session
