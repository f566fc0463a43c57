"""A tiny synthetic Piper voice, built during the test run.

It honours the interface of a real Piper voice (what piper-tts feeds a VITS model and
reads back) so the real piper-tts runtime and onnxruntime run on it:

- inputs ``input`` [1, N] int64 phoneme ids, ``input_lengths`` [1] int64,
  ``scales`` [3] float32 (noise, length, noise_w) and, for multi-speaker voices, ``sid`` [1];
- output audio [1, 1, T] float32.

The audio is a sine tone of ``SAMPLES_PER_ID × N × length_scale`` samples, so its length
follows the number of phoneme ids and the requested length scale; its pitch follows the
speaker, and short sentences come out quieter than long ones (as a real model's sentences
differ in level). No weights of a real voice are involved.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

SAMPLE_RATE = 16000
"""Like Piper's "low" voices, so clips must be resampled to the programme rate."""
SAMPLES_PER_ID = 400
"""25 ms of tone per phoneme id at 16 kHz."""
AMPLITUDE = 0.25
"""Peak of a long sentence; deliberately quiet: piper-tts would stretch each sentence to full scale."""
FULL_IDS = 60
"""Sentences of fewer phoneme ids get proportionally quieter: N / FULL_IDS × AMPLITUDE."""
BASE_HZ = 220.0
SPEAKER_STEP_HZ = 110.0
"""Each speaker id raises the tone by this much, so tests can tell speakers apart."""


def tone_hz(speaker: int = 0) -> float:
    return BASE_HZ + SPEAKER_STEP_HZ * speaker


def build_voice(
    folder: Path,
    name: str = "test-voice",
    speakers: int = 1,
    sample_rate: int = SAMPLE_RATE,
    drop_phonemes: tuple[str, ...] = (),
    length_scale: float = 1.0,
    amplitude: float = AMPLITUDE,
    samples_per_id: int = SAMPLES_PER_ID,
) -> Path:
    """Write ``folder/name.onnx`` and ``folder/name.onnx.json``; return the .onnx path.

    ``drop_phonemes`` leaves phonemes out of the id map, as a voice for another language
    would, to exercise piper-tts's handling of phonemes the model does not know.
    """
    import onnx
    from onnx import TensorProto, helper
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    folder.mkdir(parents=True, exist_ok=True)
    model_path = folder / f"{name}.onnx"

    def const(name: str, value, dtype=TensorProto.FLOAT):
        values = value if isinstance(value, list) else [value]
        dims = [len(values)] if isinstance(value, list) else []
        return helper.make_node(
            "Constant", [], [name], value=helper.make_tensor(name + "_t", dtype, dims, values)
        )

    nodes = [
        const("one_i", [1], TensorProto.INT64),
        const("samples_per_id", float(samples_per_id)),
        const("zero_f", 0.0),
        const("one_f", 1.0),
        const("angle_step", 2 * math.pi / sample_rate),
        const("amplitude", amplitude),
        const("full_ids", float(FULL_IDS)),
        const("base_hz", BASE_HZ),
        const("out_shape_head", [1, 1], TensorProto.INT64),
        # T = floor(N × SAMPLES_PER_ID × length_scale)
        helper.make_node("Cast", ["input_lengths"], ["n_f"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["scales", "one_i"], ["length_scale"], axis=0),
        helper.make_node("Mul", ["n_f", "samples_per_id"], ["t_base"]),
        helper.make_node("Mul", ["t_base", "length_scale"], ["t_float"]),
        helper.make_node("Floor", ["t_float"], ["t_floor"]),
        helper.make_node("Squeeze", ["t_floor"], ["t_scalar"]),
        helper.make_node("Range", ["zero_f", "t_scalar", "one_f"], ["t"]),
    ]
    if speakers > 1:
        nodes += [
            const("speaker_step", SPEAKER_STEP_HZ),
            helper.make_node("Cast", ["sid"], ["sid_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["sid_f", "speaker_step"], ["sid_hz"]),
            helper.make_node("Add", ["base_hz", "sid_hz"], ["freq"]),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["base_hz"], ["freq"]))
    nodes += [
        helper.make_node("Mul", ["t", "angle_step"], ["phase_unit"]),
        helper.make_node("Mul", ["phase_unit", "freq"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Div", ["n_f", "full_ids"], ["fullness"]),
        helper.make_node("Min", ["fullness", "one_f"], ["level"]),
        helper.make_node("Mul", ["level", "amplitude"], ["peak"]),
        helper.make_node("Mul", ["wave", "peak"], ["scaled"]),
        helper.make_node("Cast", ["t_scalar"], ["t_int"], to=TensorProto.INT64),
        helper.make_node("Reshape", ["t_int", "one_i"], ["t_dim"]),
        helper.make_node("Concat", ["out_shape_head", "t_dim"], ["out_shape"], axis=0),
        helper.make_node("Reshape", ["scaled", "out_shape"], ["output"]),
    ]
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if speakers > 1:
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "time"])]
    graph = helper.make_graph(nodes, "synthetic_piper_voice", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # readable by every onnxruntime piper-tts supports
    onnx.checker.check_model(model)
    onnx.save(model, str(model_path))

    id_map = {p: ids for p, ids in DEFAULT_PHONEME_ID_MAP.items() if p not in drop_phonemes}
    config = {
        "audio": {"sample_rate": sample_rate, "quality": "low"},
        "espeak": {"voice": "en-us"},
        "language": {"code": "en_US"},
        "inference": {"noise_scale": 0.667, "length_scale": length_scale, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": id_map,
        "num_symbols": 256,
        "num_speakers": speakers,
        "speaker_id_map": {f"speaker{n}": n for n in range(speakers)} if speakers > 1 else {},
        "piper_version": "1.8.0",
    }
    Path(f"{model_path}.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return model_path
