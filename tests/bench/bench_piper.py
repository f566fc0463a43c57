"""Piper engine overhead, measured with the synthetic test voice (tests/piper_voice.py).

The synthetic model computes a sine tone, so its own cost is close to nothing: what the
rows show is what piper-tts and this project add around a voice model (espeak-ng
phonemizer, onnxruntime session, resampling to 22 050 Hz, WAV writing) and, in the second
row, the whole conversion around it. A real Piper voice adds its model's time on top
(published real-time factors 0.03-0.08 on a CPU, i.e. 12-30× faster than real time).
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

from common import BIN, ROOT, Row, measure

sys.path.insert(0, str(ROOT))

from tests.piper_voice import build_voice  # noqa: E402

ARTICLE = ROOT / "samples" / "city-library-reopens.txt"

ENGINE_ONLY = """
import sys, time
from pathlib import Path
from audio_articles.convert import load_article
from audio_articles.model import Voice
from audio_articles.speech.engines import create_engine
from audio_articles.speech.normalize import speech_ready

model, article, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
engine = create_engine("piper")
voice = Voice("synthetic", engine="piper", model=str(model))
texts = [speech_ready(segment.text) for segment in load_article(article).segments()]
start = time.perf_counter()
frames = sum(engine.synthesize(text, voice, out / f"{n}.wav").frames for n, text in enumerate(texts))
(out / "seconds").write_text(f"{frames / 22050} {time.perf_counter() - start}")
"""


def rows() -> list[Row]:
    if importlib.util.find_spec("piper") is None:
        print("bench_piper: skipped, the piper extra is not installed", file=sys.stderr)
        return []
    with tempfile.TemporaryDirectory(prefix="bench-piper-") as scratch:
        scratch = Path(scratch)
        model = build_voice(scratch / "voice", "synthetic")
        clips = scratch / "clips"
        clips.mkdir()
        wall, peak = measure([str(BIN / "python"), "-c", ENGINE_ONLY, str(model), str(ARTICLE), str(clips)])
        audio, speaking = (float(x) for x in (clips / "seconds").read_text().split())
        engine_row = Row(
            "piper engine, synthetic voice (overhead only)", wall, audio, peak,
            f"{ARTICLE.name}, every segment; {speaking:.2f} s speaking, the rest start-up",
        )  # fmt: skip
        output = scratch / "out.mp3"
        command = [
            str(BIN / "audio-articles"), "convert", str(ARTICLE), "-o", str(output),
            "--model", str(model), "--no-cache", "--jobs", "1",
        ]  # fmt: skip
        wall, peak = measure(command)
        convert_row = Row(
            "convert --model (synthetic piper voice)", wall, audio, peak,
            "whole pipeline: parse, speech, loudness, MP3",
        )  # fmt: skip
    return [engine_row, convert_row]
