"""Speed work on Piper voices that must not change what is heard: the prepared model
(2-D convolutions, serialised optimised graph), streaming a preview while it renders, and
the device choice. No wall-clock assertions: figures are in docs/speed.md."""

from __future__ import annotations

import os

import wave
from pathlib import Path

import numpy as np
import pytest

from audio_articles.errors import InputError, MissingToolError
from audio_articles.model import Voice
from audio_articles.playback import StreamPlayer, wav_header
from audio_articles.speech.engines import create_engine
from audio_articles.speech.engines.piper_graph import rewrite
from audio_articles.speech.engines.piper_model import (
    DecoderInChunks,
    bfloat16_decoder,
    cpu_session,
    device_providers,
    model_cache_dir,
    prepared_name,
)

from .piper_voice import build_voice

pytestmark = pytest.mark.piper
pytest.importorskip("piper", reason="the piper extra is not installed")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def conv_model(path: Path) -> Path:
    """A small model shaped like a Piper voice where it matters: a 1-D convolution outside
    the decoder, and a "/dec/" chain (convolution, transposed convolution with a stride,
    leaky ReLU, a residual add, tanh) with one way in and one way out."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(3)

    def weight(name: str, *shape: int):
        return numpy_helper.from_array(rng.normal(0, 0.3, shape).astype(np.float32), name)

    nodes = [
        helper.make_node("Conv", ["x", "w_in", "b_in"], ["h"], name="/enc_p/Conv", pads=[1, 1], kernel_shape=[3]),
        helper.make_node("Mul", ["h", "half"], ["z"], name="/Mul_7"),
        helper.make_node("Conv", ["z", "w_pre", "b_pre"], ["a"], name="/dec/conv_pre/Conv", pads=[3, 3],
                         kernel_shape=[7], dilations=[1]),
        helper.make_node("LeakyRelu", ["a"], ["a1"], name="/dec/LeakyRelu", alpha=0.1),
        helper.make_node("ConvTranspose", ["a1", "w_up", "b_up"], ["u"], name="/dec/ups.0/ConvTranspose",
                         strides=[4], pads=[2, 2], kernel_shape=[8]),
        helper.make_node("Conv", ["u", "w_res", "b_res"], ["r"], name="/dec/resblocks.0/Conv", pads=[3, 3],
                         kernel_shape=[3], dilations=[3]),
        helper.make_node("Add", ["u", "r"], ["s"], name="/dec/Add"),
        helper.make_node("Conv", ["s", "w_post"], ["p"], name="/dec/conv_post/Conv", pads=[3, 3], kernel_shape=[7]),
        helper.make_node("Tanh", ["p"], ["y"], name="/dec/Tanh"),
    ]  # fmt: skip
    inits = [
        weight("w_in", 8, 4, 3), weight("b_in", 8), numpy_helper.from_array(np.array(0.5, np.float32), "half"),
        weight("w_pre", 16, 8, 7), weight("b_pre", 16), weight("w_up", 16, 8, 8), weight("b_up", 8),
        weight("w_res", 8, 8, 3), weight("b_res", 8), weight("w_post", 1, 8, 7),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "voice-like", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, None])], inits,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


@pytest.fixture
def float32_decoder(monkeypatch):
    """The decoder in onnxruntime's float32 only, whatever the processor: the tests that
    want the whole decoder's samples bit for bit."""
    monkeypatch.setenv("AUDIO_ARTICLES_OPENVINO", "0")


def run(model: Path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_the_rewritten_model_computes_the_same_samples(tmp_path):
    source = conv_model(tmp_path / "voice.onnx")
    target = tmp_path / "rewritten.onnx"
    assert rewrite(source, target) == 5  # every 1-D convolution, in the decoder and outside it
    kinds = {node.op_type for node in onnx.load(str(target)).graph.node}
    assert {"Unsqueeze", "Squeeze"} <= kinds
    assert "ConvTranspose" not in kinds  # the upsampling is a plain convolution per phase
    x = np.random.default_rng(1).normal(size=(1, 4, 50)).astype(np.float32)
    before, after = run(source, x), run(target, x)
    assert before.shape == after.shape == (1, 1, 200)
    assert np.max(np.abs(before - after)) < 1e-5


@pytest.mark.parametrize(
    ("kernel", "stride", "pads", "output_padding", "bias"),
    [(16, 8, (4, 4), 0, True), (8, 4, (2, 2), 0, False), (7, 3, (1, 2), 1, True), (3, 4, (0, 0), 0, True)],
)
def test_upsampling_rewritten_as_phases_gives_the_transposed_convolutions_samples(
    tmp_path, kernel, stride, pads, output_padding, bias
):
    """Kernels that are and are not a multiple of the stride, shorter than it, with output
    padding, with and without a bias: the polyphase form gives the same samples."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(kernel)
    inits = [numpy_helper.from_array(rng.normal(0, 0.3, (6, 5, kernel)).astype(np.float32), "w")]
    inputs = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(rng.normal(0, 0.3, 5).astype(np.float32), "b"))
        inputs.append("b")
    nodes = [
        helper.make_node("ConvTranspose", inputs, ["u"], name="/dec/ups.0/ConvTranspose", strides=[stride],
                         pads=list(pads), kernel_shape=[kernel], output_padding=[output_padding]),
        helper.make_node("Tanh", ["u"], ["y"], name="/dec/Tanh"),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "upsampling", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 6, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5, None])], inits,
    )  # fmt: skip
    source, target = tmp_path / "up.onnx", tmp_path / "rewritten.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    onnx.save(model, str(source))
    rewrite(source, target)
    assert "ConvTranspose" not in {node.op_type for node in onnx.load(str(target)).graph.node}
    for frames in (1, 2, 37):
        x = rng.normal(size=(1, 6, frames)).astype(np.float32)
        before, after = run(source, x), run(target, x)
        assert before.shape == after.shape
        assert np.max(np.abs(before - after)) < 1e-5


def test_a_voice_is_prepared_once_and_then_loaded_from_the_model_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    model = build_voice(tmp_path / "voices", "test-voice")
    voice = Voice(voice="test-voice", engine="piper", model=str(model))
    first = create_engine("piper").render("A sentence to say.", voice)
    prepared = model_cache_dir() / prepared_name(model)
    assert prepared.is_file()
    stamp = prepared.stat().st_mtime_ns
    again = create_engine("piper").render("A sentence to say.", voice)
    assert prepared.stat().st_mtime_ns == stamp  # loaded, not made again
    assert np.allclose(first, again, atol=1e-4)
    build_voice(tmp_path / "voices", "test-voice", length_scale=1.2)  # the voice replaced
    create_engine("piper").render("A sentence to say.", voice)
    assert [p.name for p in model_cache_dir().glob("test-voice-*.onnx")] == [prepared_name(model)]


def test_two_workers_starting_on_a_new_voice_prepare_it_once(tmp_path, monkeypatch):
    """The first to take the model cache's lock prepares the voice; the other waits and
    loads what it made (two speech workers on a voice's first use)."""
    import threading

    import audio_articles.speech.engines.piper_model as piper_model

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    source = conv_model(tmp_path / "voice.onnx")
    prepared: list[int] = []
    real_prepare = piper_model._prepare

    def counted(*args) -> None:
        prepared.append(1)
        real_prepare(*args)

    monkeypatch.setattr(piper_model, "_prepare", counted)
    start, sessions = threading.Barrier(2), []

    def load() -> None:
        start.wait()
        sessions.append(cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"]))

    workers = [threading.Thread(target=load) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(prepared) == 1
    assert len(sessions) == 2 and all(isinstance(session, DecoderInChunks) for session in sessions)


def test_what_a_killed_process_left_in_the_model_cache_is_removed(tmp_path, monkeypatch):
    """A preparation or a kept file interrupted by SIGKILL leaves its temporary files
    (≈ 60 MB each for a real voice): the next preparation, or the next file kept under
    the same name, removes them; those of processes still running stay."""
    import subprocess
    import sys

    import audio_articles.speech.engines.piper_model as piper_model

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, alive = int(gone.stdout), os.getppid()
    source = conv_model(tmp_path / "voice.onnx")
    folder = model_cache_dir()
    folder.mkdir(parents=True)
    stem = prepared_name(source).removesuffix(".onnx")
    killed = [folder / f".{stem}.{dead}.front-optimised.onnx", folder / f".{stem}.{dead}.rewritten.onnx"]
    running = folder / f".{stem}.{alive}.rewritten.onnx"
    for path in [*killed, running]:
        path.write_bytes(b"half a model")
    cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])
    assert [path.exists() for path in [*killed, running]] == [False, False, True]

    kept = folder / "voice.blob"
    half_written, still_writing = folder / f".voice.blob.{dead}", folder / f".voice.blob.{alive}"
    half_written.write_bytes(b"half"), still_writing.write_bytes(b"half")
    assert piper_model._keep(b"whole", kept)
    assert kept.read_bytes() == b"whole" and not half_written.exists() and still_writing.exists()


def test_the_decoder_runs_in_chunks_with_the_whole_decoders_samples(tmp_path, monkeypatch, float32_decoder):
    """Split into front and decoder, the decoder run 16 frames at a time with the margin
    found by probing: the samples of the whole model, however many chunks a sentence
    makes; loaded again from the model cache, the same."""
    import audio_articles.speech.engines.piper_model as piper_model

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.setattr(piper_model, "CHUNK_FRAMES", 16)
    source = conv_model(tmp_path / "voice.onnx")
    prepared = cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])
    assert isinstance(prepared, DecoderInChunks)
    assert 1 <= prepared.margin < 16
    again = cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])
    assert isinstance(again, DecoderInChunks) and again.margin == prepared.margin
    rng = np.random.default_rng(5)
    for frames in (1, 16, 17, 50, 161):
        x = rng.normal(size=(1, 4, frames)).astype(np.float32)
        whole = run(source, x).reshape(-1)
        for session in (prepared, again):
            chunked = session.run(None, {"x": x})[0]
            assert chunked.shape == whole.shape
            assert np.max(np.abs(chunked - whole)) < 1e-5


def test_a_margin_short_of_the_receptive_field_would_change_the_samples(tmp_path, monkeypatch, float32_decoder):
    """The probe's margin is needed: one frame less and chunk edges differ."""
    import audio_articles.speech.engines.piper_model as piper_model

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.setattr(piper_model, "CHUNK_FRAMES", 16)
    source = conv_model(tmp_path / "voice.onnx")
    prepared = cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])
    short = DecoderInChunks(prepared.front, prepared.decoder, prepared.margin - 2)
    x = np.random.default_rng(6).normal(size=(1, 4, 50)).astype(np.float32)
    assert np.max(np.abs(short.run(None, {"x": x})[0] - run(source, x).reshape(-1))) > 1e-4
    windows = DecoderInChunks(prepared.front, prepared.decoder, prepared.margin - 2)
    windows.windowed = FixedWindow(prepared.decoder, 24)
    assert np.max(np.abs(windows.run(None, {"x": x})[0] - run(source, x).reshape(-1))) > 1e-4


class FixedWindow:
    """onnxruntime's decoder taking only ``window`` frames at a time, as OpenVINO's does."""

    def __init__(self, decoder, window: int) -> None:
        self.decoder, self.window = decoder, window

    def decode(self, frames):
        assert frames.shape[2] == self.window
        return self.decoder.decode(frames)


def test_a_decoder_of_one_fixed_window_gives_the_whole_decoders_samples(tmp_path, monkeypatch, float32_decoder):
    """Windows of exactly one length, the last one ending at the sentence's end: the whole
    decoder's samples for any length from the window's up; shorter sentences go to the
    decoder that takes any length."""
    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    source = conv_model(tmp_path / "voice.onnx")
    prepared = cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])
    window = 2 * prepared.margin + 3
    windows = DecoderInChunks(prepared.front, prepared.decoder, prepared.margin)
    windows.windowed = FixedWindow(prepared.decoder, window)
    rng = np.random.default_rng(8)
    for frames in (1, window - 1, window, window + 1, 2 * window, 3 * window + 2, 161):
        x = rng.normal(size=(1, 4, frames)).astype(np.float32)
        whole = run(source, x).reshape(-1)
        assert np.max(np.abs(windows.run(None, {"x": x})[0] - whole)) < 1e-5


def test_a_preview_speaks_before_openvino_is_loaded_and_a_worker_waits_for_it(tmp_path, monkeypatch, float32_decoder):
    """Without waiting, onnxruntime decodes a long sentence while the windowed decoder is
    still loading; with waiting (a speech worker), the sentence goes to the windowed one."""
    import threading

    import audio_articles.speech.engines.piper_model as piper_model

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.setattr(piper_model, "WINDOW_FRAMES", 24)
    source = conv_model(tmp_path / "voice.onnx")
    prepared = cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])
    release = threading.Event()
    used: list[int] = []

    class Recording(FixedWindow):
        def decode(self, frames):
            used.append(frames.shape[2])
            return super().decode(frames)

    def slow_load():
        release.wait(30)
        return Recording(prepared.decoder, 24)

    x = np.random.default_rng(11).normal(size=(1, 4, 60)).astype(np.float32)
    whole = run(source, x).reshape(-1)
    eager = DecoderInChunks(prepared.front, prepared.decoder, prepared.margin, slow_load, wait=False)
    assert np.max(np.abs(eager.run(None, {"x": x})[0] - whole)) < 1e-5
    assert used == [] and eager.windowed is None  # spoken by onnxruntime, not waiting
    release.set()
    assert eager.windowed_loaded.wait(30)
    eager.run(None, {"x": x})
    assert used and set(used) == {24}
    used.clear()
    patient = DecoderInChunks(prepared.front, prepared.decoder, prepared.margin, slow_load, wait=True)
    assert np.max(np.abs(patient.run(None, {"x": x})[0] - whole)) < 1e-5
    assert used and set(used) == {24}


def test_the_openvino_loader_is_never_a_daemon_even_when_started_by_one(tmp_path, monkeypatch, float32_decoder):
    """A preview loads its voice in a daemon thread; a loader thread started there would
    be a daemon too, and one stopped inside OpenVINO at exit aborts the process."""
    import threading

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    prepared = cpu_session(conv_model(tmp_path / "voice.onnx"), ort.SessionOptions(), ["CPUExecutionProvider"])
    daemon: list[bool] = []
    made: list[DecoderInChunks] = []

    def load():
        daemon.append(threading.current_thread().daemon)

    def make():
        made.append(DecoderInChunks(prepared.front, prepared.decoder, prepared.margin, load))

    starter = threading.Thread(target=make, daemon=True)
    starter.start()
    starter.join()
    assert made[0].windowed_loaded.wait(30)
    assert daemon == [False]


def snr_db(reference: np.ndarray, other: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(reference**2) / max(np.mean((reference - other) ** 2), 1e-30)))


def with_openvino(session: DecoderInChunks) -> DecoderInChunks:
    """``session`` once its OpenVINO decoder is loaded (in a thread, while short sentences
    are spoken)."""
    assert session.windowed_loaded.wait(60)
    return session


def test_openvino_runs_the_decoder_in_bfloat16_close_to_the_float32_samples(tmp_path, monkeypatch):
    """Where the processor computes in bfloat16 and openvino is installed: long sentences
    are decoded by OpenVINO in windows, within bfloat16's rounding of the float32
    samples; short ones by onnxruntime, exactly; the engine's cache key says which."""
    pytest.importorskip("openvino")
    import audio_articles.speech.engines.piper_model as piper_model

    monkeypatch.delenv("AUDIO_ARTICLES_OPENVINO", raising=False)
    if not bfloat16_decoder():
        pytest.skip("this processor has no bfloat16 arithmetic (AVX-512 BF16 or AMX)")
    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.setattr(piper_model, "WINDOW_FRAMES", 40)
    source = conv_model(tmp_path / "voice.onnx")
    prepared = cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])
    assert isinstance(with_openvino(prepared).windowed, piper_model.OpenVinoDecoder)
    assert list((tmp_path / "models").glob("*.decoder-bf16-*.blob"))  # compiled once, kept
    again = with_openvino(cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"]))
    assert isinstance(again.windowed, piper_model.OpenVinoDecoder)
    rng = np.random.default_rng(9)
    for frames in (1, 39, 40, 41, 100, 161):
        x = rng.normal(size=(1, 4, frames)).astype(np.float32)
        whole = run(source, x).reshape(-1)
        decoded = prepared.run(None, {"x": x})[0]
        assert decoded.shape == whole.shape
        assert np.array_equal(decoded, again.run(None, {"x": x})[0])  # the kept compilation: the same
        if frames < 40:
            assert np.max(np.abs(decoded - whole)) < 1e-5
        else:
            assert 30 < snr_db(whole, decoded) < 90  # bfloat16's rounding: close, not float32
    with_openvino_key = create_engine("piper").identity()
    monkeypatch.setenv("AUDIO_ARTICLES_OPENVINO", "0")
    assert not bfloat16_decoder()
    assert "openvino" in with_openvino_key and "openvino" not in create_engine("piper").identity()
    assert with_openvino(cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])).windowed is None


def test_a_decoder_openvino_cannot_compile_is_run_by_onnxruntime(tmp_path, monkeypatch):
    """A damaged compiled decoder is compiled again; a damaged portable decoder leaves the
    decoding to onnxruntime, with the same samples as the whole decoder."""
    pytest.importorskip("openvino")
    import audio_articles.speech.engines.piper_model as piper_model

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    monkeypatch.setattr(piper_model, "bfloat16_decoder", lambda: True)
    source = conv_model(tmp_path / "voice.onnx")
    with_openvino(cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"]))
    compiled = next((tmp_path / "models").glob("*.decoder-bf16-*.blob"))
    compiled.write_bytes(b"damaged")
    assert with_openvino(cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])).windowed is not None
    assert compiled.stat().st_size > 1000  # compiled again and kept
    compiled.write_bytes(b"damaged")
    next((tmp_path / "models").glob("*.decoder-portable.onnx")).write_bytes(b"not a model")
    again = with_openvino(cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"]))
    assert isinstance(again, DecoderInChunks) and again.windowed is None
    x = np.random.default_rng(10).normal(size=(1, 4, 300)).astype(np.float32)
    assert np.max(np.abs(again.run(None, {"x": x})[0] - run(source, x).reshape(-1))) < 1e-5


def test_a_decoder_fed_more_than_the_frames_is_prepared_whole(tmp_path, monkeypatch):
    """A voice with several speakers feeds the speaker to the decoder too: no split, one
    prepared model, the same samples."""
    from onnx import TensorProto, helper

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    model = onnx.load(str(conv_model(tmp_path / "voice.onnx")))
    graph = model.graph
    graph.input.append(helper.make_tensor_value_info("g", TensorProto.FLOAT, [1, 16, 1]))
    for node in graph.node:
        if node.name == "/dec/LeakyRelu":
            node.input[0] = "a_g"
    position = [node.name for node in graph.node].index("/dec/LeakyRelu")
    graph.node.insert(position, helper.make_node("Add", ["a", "g"], ["a_g"], name="/dec/Add_speaker"))
    source = tmp_path / "speakers.onnx"
    onnx.save(model, str(source))
    prepared = cpu_session(source, ort.SessionOptions(), ["CPUExecutionProvider"])
    assert not isinstance(prepared, DecoderInChunks)
    assert (model_cache_dir() / prepared_name(source)).is_file()
    rng = np.random.default_rng(7)
    feeds = {"x": rng.normal(size=(1, 4, 30)).astype(np.float32), "g": rng.normal(size=(1, 16, 1)).astype(np.float32)}
    whole = ort.InferenceSession(str(source), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    assert np.max(np.abs(prepared.run(None, feeds)[0] - whole)) < 1e-5


def test_without_the_onnx_package_the_voice_is_used_as_it_is(tmp_path, monkeypatch):
    import audio_articles.speech.engines.piper_graph as piper_model

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))

    def no_onnx(source, target):
        raise ImportError("No module named 'onnx'")

    monkeypatch.setattr(piper_model, "rewrite", no_onnx)
    model = build_voice(tmp_path / "voices", "test-voice")
    samples = create_engine("piper").render("Still spoken.", Voice(voice="v", engine="piper", model=str(model)))
    assert samples.size > 0
    assert not list((tmp_path / "models").glob("*.onnx"))


def test_streaming_hears_every_sentence_and_writes_the_same_clip_as_synthesize(tmp_path):
    model = build_voice(tmp_path / "voices", "test-voice")
    voice = Voice(voice="test-voice", engine="piper", model=str(model))
    engine = create_engine("piper")
    heard: list[np.ndarray] = []
    text = "First sentence here. And a second one. A third."
    clip = engine.stream(text, voice, tmp_path / "streamed.wav", heard.append)
    assert len(heard) == 3  # one piece per sentence, as soon as each is spoken
    assert abs(sum(piece.size for piece in heard) - clip.frames) <= 3 * 2  # resampled piece by piece
    whole = engine.synthesize(text, voice, tmp_path / "whole.wav")
    assert clip.frames == whole.frames  # the synthetic voice is deterministic
    with wave.open(str(clip.path)) as a, wave.open(str(whole.path)) as b:
        assert a.readframes(a.getnframes()) == b.readframes(b.getnframes())


def test_a_stream_player_gets_a_wav_header_then_the_audio(tmp_path):
    out = tmp_path / "played.wav"
    player = StreamPlayer(["sh", "-c", f"cat > {out}"], 22050)
    player.write(np.full(100, 0.5))
    player.silence(10, 22050)
    assert player.finish().played
    data = out.read_bytes()
    assert data[:44] == wav_header(22050)
    assert len(data) == 44 + 2 * 100 + 2 * 220
    assert np.frombuffer(data[44:244], "<i2")[0] == int(0.5 * 32767)


def test_preview_streams_a_piper_voice_to_the_player_and_writes_the_same_file(tmp_path, monkeypatch):
    from audio_articles.preview import Part, preview
    from audio_articles.settings import Options

    model = build_voice(tmp_path / "voices", "test-voice")
    article = tmp_path / "a.txt"
    article.write_text("Title\n\nOne sentence. Another sentence here.\n\nMore.\n", encoding="utf-8")
    played = tmp_path / "played.wav"
    monkeypatch.setenv("AUDIO_ARTICLES_PLAYER", f"sh -c 'cat > {played}'")
    from audio_articles.playback import stream_player

    result = preview(article, Part("paragraph", 2), output=tmp_path / "p.wav",
                     options=Options(model=model, engine="piper"), stream=stream_player)  # fmt: skip
    assert result.player is not None
    assert result.player.finish().played
    assert played.stat().st_size > 44 + 2 * 22050 // 10
    with wave.open(str(tmp_path / "p.wav")) as wav:
        assert wav.getnframes() > 0


def test_the_device_is_the_cpu_unless_asked_and_cuda_needs_onnxruntime_gpu(monkeypatch):
    monkeypatch.delenv("AUDIO_ARTICLES_DEVICE", raising=False)
    assert device_providers() == ["CPUExecutionProvider"]
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    assert device_providers("auto") == ["CPUExecutionProvider"]
    with pytest.raises(MissingToolError, match="onnxruntime-gpu"):
        device_providers("cuda")
    with pytest.raises(InputError, match="unknown device"):
        device_providers("tpu")
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert device_providers("auto") == ["CUDAExecutionProvider", "CPUExecutionProvider"]


def test_a_large_files_digest_is_kept_and_found_again_only_while_the_file_is_unchanged(tmp_path, monkeypatch):
    import hashlib
    import os

    from audio_articles.files import _digest, file_digest
    from audio_articles.speech.engines.piper_model import remembered_digest

    monkeypatch.setenv("AUDIO_ARTICLES_MODEL_CACHE", str(tmp_path / "models"))
    big = tmp_path / "voice.onnx"
    big.write_bytes(b"a" * (2 << 20))
    assert file_digest(big, remember=remembered_digest) == hashlib.sha256(big.read_bytes()).hexdigest()
    assert len(list((tmp_path / "models" / "digests").iterdir())) == 1
    _digest.cache_clear()
    assert file_digest(big, remember=remembered_digest) == hashlib.sha256(big.read_bytes()).hexdigest()  # from the memo
    big.write_bytes(b"b" * (2 << 20))
    os.utime(big, ns=(1, 1))  # a new modification time: the memo no longer applies
    assert file_digest(big, remember=remembered_digest) == hashlib.sha256(big.read_bytes()).hexdigest()
