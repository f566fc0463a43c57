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

The prepared files (``<voice>-<digest>.front.onnx`` and ``….decoder.onnx``, or one
``<voice>-<digest>.onnx`` when the decoder cannot be split) are named after the model
file (path, size, modification time), the onnxruntime version, this rewrite's version
and the CPU's feature flags (the optimised graph uses the instruction set it was made
on), in ``$AUDIO_ARTICLES_MODEL_CACHE`` or ``…/audio-articles/models`` in the user's
cache folder. Without the ``onnx`` package, or when anything fails, the original model
is loaded as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
from pathlib import Path

log = logging.getLogger(__name__)

REWRITE_VERSION = 3
"""Bump when ``piper_graph`` changes: prepared models of older versions are no longer used."""
CHUNK_FRAMES = 200
"""Latent frames the decoder turns into samples at a time (≈ 2.3 s of speech at 22 050
Hz, 256 samples a frame): larger chunks hold more memory, smaller ones repeat more
context. Measured with one decoder on 40 sentences of 0.3-21 s: whole sentences 600 MB
and 19.0 CPU-s; chunks of 400 frames 293 MB and 17.4; of 300, 205 MB and 17.9; of 200,
177 MB and 18.1; of 100 frames, 18 % more CPU than whole sentences."""
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
    temp = memo.with_name(f".{memo.name}.{os.getpid()}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp.write_text(digest, encoding="ascii")
        os.replace(temp, memo)
    except OSError:
        temp.unlink(missing_ok=True)
    return digest


def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("flags"):
                    return line
    except OSError:
        pass
    return platform.processor()


def prepared_name(model: Path) -> str:
    import onnxruntime

    stat = model.stat()
    facts = [str(model.resolve()), str(stat.st_size), str(stat.st_mtime_ns), onnxruntime.__version__,
             str(REWRITE_VERSION), platform.machine(), _cpu_flags()]  # fmt: skip
    digest = hashlib.sha256("\n".join(facts).encode()).hexdigest()[:24]
    return f"{model.name.removesuffix('.onnx')}-{digest}.onnx"


class DecoderInChunks:
    """A voice run as its two parts (see ``piper_graph.split``), with onnxruntime's
    ``run`` as PiperVoice calls it: the front turns the sentence into latent frames, then
    the decoder turns them into samples at most ``CHUNK_FRAMES`` at a time, each chunk
    with ``margin`` frames of context on each side whose samples are dropped.

    With a margin past the decoder's receptive field the samples are the whole decoder's,
    bit for bit; the decoder's working memory is then that of a chunk, not of the longest
    sentence (≈ 20 MB a second of speech for the natural voice), and a chunk's tensors
    stay in the processor's caches better: a little less CPU, not more.
    """

    def __init__(self, front, decoder, margin: int) -> None:
        self.front, self.decoder, self.margin = front, decoder, margin
        self.frames_input = decoder.get_inputs()[0].name

    def run(self, output_names, feeds: dict) -> list:
        import numpy as np

        frames = self.front.run(None, feeds)[0]
        total = frames.shape[2]
        if total <= CHUNK_FRAMES:
            return [self.decoder.run(None, {self.frames_input: frames})[0].reshape(-1)]
        size = -(-total // -(-total // CHUNK_FRAMES))  # equal chunks: the arena reuses its blocks
        pieces = []
        for start in range(0, total, size):
            end = min(total, start + size)
            low, high = max(0, start - self.margin), min(total, end + self.margin)
            audio = self.decoder.run(None, {self.frames_input: frames[:, :, low:high]})[0].reshape(-1)
            hop = audio.size // (high - low)
            pieces.append(audio[(start - low) * hop : (end - low) * hop])
        return [np.concatenate(pieces)]


def _load(path: Path, options, providers: list[str]):
    import onnxruntime

    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=providers)


def _optimised(source: Path, target: Path, options, providers: list[str]):
    """A session for ``source``, optimised, the optimised graph saved to ``target``."""
    options.optimized_model_filepath = str(target)
    try:
        return _load(source, options, providers)
    finally:
        options.optimized_model_filepath = ""


def _prepare(model: Path, prepared: Path, options, providers: list[str]):
    """Make the prepared copy (in two parts when the decoder can be split) and return its
    session; temporary files next to ``prepared``, renamed into place when complete."""
    import onnx
    import onnxruntime

    from .piper_graph import MARGIN, receptive_margin, rewrite, split

    folder, stem = prepared.parent, prepared.stem
    parts = ("rewritten", "front", "decoder", "front-optimised", "decoder-optimised", "whole")
    temporary = [folder / f".{stem}.{os.getpid()}.{part}.onnx" for part in parts]
    rewritten, front, decoder, front_optimised, decoder_optimised, whole = temporary
    try:
        folder.mkdir(parents=True, exist_ok=True)
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        rewrite(model, rewritten)
        if split(rewritten, front, decoder):
            front_session = _optimised(front, front_optimised, options, providers)
            decoder_session = _optimised(decoder, decoder_optimised, options, providers)
            margin = receptive_margin(decoder_session)
            if margin is not None:
                optimised = onnx.load(str(decoder_optimised))
                optimised.metadata_props.add(key=MARGIN, value=str(margin))
                onnx.save(optimised, str(decoder_optimised))
                os.replace(front_optimised, part_path(prepared, "front"))
                os.replace(decoder_optimised, part_path(prepared, "decoder"))
                return DecoderInChunks(front_session, decoder_session, margin)
        session = _optimised(rewritten, whole, options, providers)
        os.replace(whole, prepared)
        return session
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)


def part_path(prepared: Path, part: str) -> Path:
    """Where a split voice's ``front`` or ``decoder`` is kept, next to ``prepared``."""
    return prepared.with_name(f"{prepared.stem}.{part}.onnx")


def _load_prepared(prepared: Path, options, providers: list[str]):
    """The prepared copy's session (a split voice's two), or None when there is none."""
    import onnxruntime

    from .piper_graph import MARGIN

    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    front, decoder = part_path(prepared, "front"), part_path(prepared, "decoder")
    if front.is_file() and decoder.is_file():
        decoder_session = _load(decoder, options, providers)
        margin = decoder_session.get_modelmeta().custom_metadata_map.get(MARGIN)
        return DecoderInChunks(_load(front, options, providers), decoder_session, int(margin))
    if prepared.is_file():
        return _load(prepared, options, providers)
    return None


def cpu_session(model: Path, options, providers: list[str]):
    """An onnxruntime session (or ``DecoderInChunks``) for ``model`` from its prepared
    copy, made (and saved) on first use; the original model when preparing fails."""
    folder = model_cache_dir()
    try:
        prepared = folder / prepared_name(model)
        session = _load_prepared(prepared, options, providers)
        if session is not None:
            return session
    except OSError:
        return _load(model, options, providers)
    except Exception:  # noqa: BLE001 - a damaged prepared copy: make it again
        log.debug("prepared model %s unusable, preparing again", prepared, exc_info=True)
    try:
        session = _prepare(model, prepared, options, providers)
    except Exception:  # noqa: BLE001 - no onnx package, a read-only cache, an unusual model
        log.debug("could not prepare %s for speed; using it as it is", model, exc_info=True)
        import onnxruntime

        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        return _load(model, options, providers)
    stem = model.name.removesuffix(".onnx")
    for older in folder.glob(f"{stem}-*.onnx"):
        if not older.name.startswith(prepared.stem):
            older.unlink(missing_ok=True)  # made from an earlier version of this voice, or onnxruntime
    return session
