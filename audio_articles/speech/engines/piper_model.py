"""A Piper voice model prepared for fast CPU inference, kept in the user's cache folder.

Two things make a Piper (VITS) voice faster on a CPU without changing what it computes:

- **2-D convolutions in the decoder.** The decoder (HiFi-GAN, ≈ 80 % of the time) is a
  chain of 1-D convolutions. onnxruntime's fast blocked-layout kernels (NCHWc) only take
  2-D ones, so the decoder is rewritten with a height of 1: weights ``[O, I, K]`` become
  ``[O, I, 1, K]``, one ``Unsqueeze`` at its input and one ``Squeeze`` at its output; the
  other 1-D convolutions (text encoder, flows, duration predictor) are wrapped one by one.
  Same arithmetic, same samples (within 1e-5 of the original's). Measured on the natural
  voice with one thread: 0.070 CPU-seconds a second of speech instead of 0.088.
- **Upsampling as plain convolutions.** Each transposed convolution of the decoder (stride
  ``s``) is its polyphase form: one convolution with ``s`` times the output channels (one
  set per output phase), whose phases are then interleaved (reshape, transpose, reshape)
  and trimmed (slice). onnxruntime runs that convolution with its blocked kernels, where a
  transposed convolution has only a generic one. Same samples again; ≈ 5 % less CPU.
- **The optimised graph, serialised.** onnxruntime's graph optimisation of the voice
  takes ≈ 0.35 s of CPU at every load; the optimised model is saved once and then loaded
  with optimisation off (0.12 s instead of 0.46-0.67 s).

The prepared file is named after the model file (path, size, modification time), the
onnxruntime version, this rewrite's version and the CPU's feature flags (the optimised
graph uses the instruction set it was made on), in ``$AUDIO_ARTICLES_MODEL_CACHE`` or
``…/audio-articles/models`` in the user's cache folder. Without the ``onnx`` package, or
when anything fails, the original model is loaded as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
from pathlib import Path

log = logging.getLogger(__name__)

REWRITE_VERSION = 2
"""Bump when ``rewrite`` changes: prepared models of older versions are no longer used."""
MODEL_CACHE_ENV = "AUDIO_ARTICLES_MODEL_CACHE"
DEVICE_ENV = "AUDIO_ARTICLES_DEVICE"
"""``cpu`` (the default), ``cuda`` or ``auto``: set by ``--device``, read by every worker."""
DEVICES = ("cpu", "cuda", "auto")
CUDA = "CUDAExecutionProvider"
GPU_HINT = "pip install onnxruntime-gpu (in place of onnxruntime) with an NVIDIA driver and CUDA 12"
AXES = "audio_articles_axis2"


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


def polyphase(node, weights: dict, graph) -> list:
    """The nodes that compute the 2-D (height 1) transposed convolution ``node`` as one
    convolution per output phase, stacked, then interleaved and trimmed.

    For stride ``s`` and kernel ``K``, output sample ``q·s + r`` (before the padding is
    cut) is ``Σ_j x[q − j] · w[j·s + r]``: phase ``r`` is a convolution with the taps
    ``w[r], w[s + r], …`` (``J = ⌈K / s⌉`` of them) read backwards, padded by ``J − 1``.
    """
    import numpy as np
    from onnx import helper, numpy_helper

    attributes = {a.name: list(a.ints) if a.ints else a.i for a in node.attribute}
    stride, (pad_start, pad_end) = attributes["strides"][1], attributes["pads"][1::2]
    extra = attributes.get("output_padding", [0, 0])[1]
    weight = numpy_helper.to_array(weights[node.input[1]])  # [in, out, 1, K]
    inputs, outputs, _, kernel = weight.shape
    taps = -(-kernel // stride)
    phases = np.zeros((stride * outputs, inputs, 1, taps), dtype=weight.dtype)
    for phase in range(stride):
        for tap in range(taps):
            k = (taps - 1 - tap) * stride + phase
            if k < kernel:
                phases[phase * outputs : (phase + 1) * outputs, :, 0, tap] = weight[:, :, 0, k].T
    name = node.name
    tail = taps * stride - kernel + pad_end - extra  # samples past the end of the output
    constants = {
        "weight": phases,
        "by_phase": np.array([0, stride, outputs, -1], np.int64),
        "interleaved": np.array([0, outputs, 1, -1], np.int64),
        "start": np.array([pad_start], np.int64),
        "end": np.array([-tail if tail > 0 else np.iinfo(np.int64).max], np.int64),
        "axis": np.array([3], np.int64),
    }
    if len(node.input) > 2 and node.input[2]:
        constants["bias"] = np.tile(numpy_helper.to_array(weights[node.input[2]]), stride)
    graph.initializer.extend(numpy_helper.from_array(value, f"{name}/{key}") for key, value in constants.items())
    conv_inputs = [node.input[0], f"{name}/weight"] + ([f"{name}/bias"] if "bias" in constants else [])
    return [
        helper.make_node("Conv", conv_inputs, [f"{name}/phases"], name=f"{name}/phases",
                         kernel_shape=[1, taps], pads=[0, taps - 1, 0, taps - 1]),
        helper.make_node("Reshape", [f"{name}/phases", f"{name}/by_phase"], [f"{name}/by_phase_out"]),
        helper.make_node("Transpose", [f"{name}/by_phase_out"], [f"{name}/interleaving"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", [f"{name}/interleaving", f"{name}/interleaved"], [f"{name}/interleaved_out"]),
        helper.make_node("Slice", [f"{name}/interleaved_out", f"{name}/start", f"{name}/end", f"{name}/axis"],
                         [node.output[0]]),
    ]  # fmt: skip


def rewrite(source: Path, target: Path) -> int:
    """Write ``source`` with its 1-D convolutions made 2-D and the decoder's transposed
    convolutions made plain ones (see the module's docstring); the number of convolutions
    changed."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    graph.initializer.append(numpy_helper.from_array(np.array([2], dtype=np.int64), AXES))

    def is_conv_1d(node) -> bool:
        weight = weights.get(node.input[1]) if len(node.input) > 1 else None
        return node.op_type in ("Conv", "ConvTranspose") and weight is not None and len(weight.dims) == 3

    def make_2d(node) -> None:
        weight = weights[node.input[1]]
        array = numpy_helper.to_array(weight)
        weight.CopyFrom(numpy_helper.from_array(array[:, :, None, :], weight.name))
        for attribute in node.attribute:
            if attribute.name in ("kernel_shape", "strides", "dilations", "output_padding"):
                attribute.ints[:] = [1, attribute.ints[0]]
            elif attribute.name == "pads":
                attribute.ints[:] = [0, attribute.ints[0], 0, attribute.ints[1]]

    nodes = list(graph.node)
    changed = 0
    # The decoder as a whole: one way in, one way out, only convolutions and
    # element-wise operations in between.
    decoder = [node for node in nodes if node.name.startswith("/dec/")]
    produced = {name for node in decoder for name in node.output}
    entries = {name for node in decoder for name in node.input if name and name not in produced and name not in weights}
    ends = [node for node in decoder if node.op_type == "Tanh"]
    element_wise = {"Conv", "ConvTranspose", "LeakyRelu", "Add", "Div", "Mul", "Tanh"}
    if decoder and len(entries) == 1 and len(ends) == 1 and {n.op_type for n in decoder} <= element_wise:
        entry, end = entries.pop(), ends[0]
        for node in decoder:
            node.input[:] = [f"{entry}/4d" if name == entry else name for name in node.input]
            if is_conv_1d(node):
                make_2d(node)
                changed += 1
        output = end.output[0]
        end.output[0] = f"{output}/4d"
        nodes.insert(nodes.index(decoder[0]), helper.make_node("Unsqueeze", [entry, AXES], [f"{entry}/4d"]))
        nodes.insert(nodes.index(end) + 1, helper.make_node("Squeeze", [f"{output}/4d", AXES], [output]))
        decoder_nodes = set(map(id, decoder))
    else:
        decoder_nodes = set()
    rewritten = []
    for node in nodes:
        if id(node) in decoder_nodes or not is_conv_1d(node):
            rewritten.append(node)
            continue
        make_2d(node)
        changed += 1
        source_name, output = node.input[0], node.output[0]
        node.input[0] = f"{source_name}/4d.{changed}"
        node.output[0] = f"{output}/4d"
        rewritten += [
            helper.make_node("Unsqueeze", [source_name, AXES], [node.input[0]]),
            node,
            helper.make_node("Squeeze", [node.output[0], AXES], [output]),
        ]
    # The decoder's upsampling, now 2-D, as plain convolutions (groups and dilations are
    # not in Piper's decoder: such a layer is left as it is).
    final, replaced = [], set()
    for node in rewritten:
        plain = all(a.name not in ("group", "dilations") or max(a.ints or [a.i]) == 1 for a in node.attribute)
        if id(node) in decoder_nodes and node.op_type == "ConvTranspose" and plain:
            final += polyphase(node, weights, graph)
            replaced.update(node.input[1:])
        else:
            final.append(node)
    used = {name for node in final for name in node.input}
    kept = [init for init in graph.initializer if init.name not in replaced or init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(final)
    del graph.value_info[:]  # shapes of the rewritten tensors changed; onnxruntime infers them
    onnx.save(model, str(target))
    return changed


def cpu_session(model: Path, options, providers: list[str]):
    """An onnxruntime session for ``model`` from its prepared copy, made (and saved) on
    first use; the original model when preparing fails."""
    import onnxruntime

    folder = model_cache_dir()
    try:
        prepared = folder / prepared_name(model)
    except OSError:
        return onnxruntime.InferenceSession(str(model), sess_options=options, providers=providers)
    if prepared.is_file():
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return onnxruntime.InferenceSession(str(prepared), sess_options=options, providers=providers)
        except Exception:  # noqa: BLE001 - a damaged prepared copy: make it again
            log.debug("prepared model %s unusable, preparing again", prepared, exc_info=True)
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    rewritten = folder / f".{prepared.name}.{os.getpid()}.rewritten.onnx"
    optimised = folder / f".{prepared.name}.{os.getpid()}.tmp.onnx"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        rewrite(model, rewritten)
        options.optimized_model_filepath = str(optimised)
        session = onnxruntime.InferenceSession(str(rewritten), sess_options=options, providers=providers)
        os.replace(optimised, prepared)
        for older in folder.glob(f"{model.name.removesuffix('.onnx')}-*.onnx"):
            if older != prepared:  # made from an earlier version of this voice, or onnxruntime
                older.unlink(missing_ok=True)
        return session
    except Exception:  # noqa: BLE001 - no onnx package, a read-only cache, an unusual model
        log.debug("could not prepare %s for speed; using it as it is", model, exc_info=True)
        options.optimized_model_filepath = ""
        return onnxruntime.InferenceSession(str(model), sess_options=options, providers=providers)
    finally:
        rewritten.unlink(missing_ok=True)
        optimised.unlink(missing_ok=True)
