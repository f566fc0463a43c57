"""The natural voice (Piper en_US-joe-medium) against the bare ``piper`` command + ffmpeg.

Rows, on the same generated text and voice, with a cold clip cache:

- about 8 minutes of speech: ``piper -m joe.onnx -i t.txt -f t.wav && ffmpeg -i t.wav
  -ac 1 -b:a 64k t.mp3`` and our ``convert --voices natural``, ``BENCH_NATURAL_ROUNDS``
  rounds (default 3), alternating which goes first; each row shows its median run and the
  note every round's ratio (goal ≤ 0.5×);
- about an hour of speech, one round of each (``BENCH_NATURAL_HOUR=0`` skips it: it takes
  a few minutes).

The prepared copy of the voice (``speech/engines/piper_model.py``) is made once per
machine, like an install step: it is made before the rounds, in a model cache of the
bench's own, and the time it took is printed in the first row's note. CPU time (every
process of the tree) is shown beside wall time: the machine is shared, and CPU time says
what a run costs whatever its neighbours do.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import BIN, ROOT, Row, audio_seconds, measure_tree
from longtext import long_article

sys.path.insert(0, str(ROOT))

ROUNDS = int(os.environ.get("BENCH_NATURAL_ROUNDS", "3"))
SHORT_WORDS = 1_700
"""About 8 minutes of the natural voice (≈ 210 words a minute)."""
HOUR_WORDS = 12_600
TIMEOUT_S = 1800


def voice_model() -> Path | None:
    if importlib.util.find_spec("piper") is None:
        return None
    from audio_articles.speech.engines.piper_engine import voice_folders
    from audio_articles.speech.voice_packages import resolve_voice_name

    try:
        return resolve_voice_name("en_US-joe-medium", voice_folders())[0]
    except Exception:  # noqa: BLE001 - not installed
        return None


def median(runs: list):
    return sorted(runs, key=lambda run: run.wall_s)[(len(runs) - 1) // 2]


def compare(name: str, text: Path, model: Path, folder: Path, rounds: int, env: dict) -> list[Row]:
    bare_runs, our_runs = [], []
    wav, mp3, ours = folder / f"{text.stem}-bare.wav", folder / f"{text.stem}-bare.mp3", folder / f"{text.stem}.mp3"

    def run_bare() -> None:
        bare_runs.append(measure_tree(
            f"{BIN / 'piper'} -m {model} -i {text} -f {wav} && "
            f"ffmpeg -v error -y -i {wav} -ac 1 -b:a 64k {mp3}",
            shell=True, timeout=TIMEOUT_S,
        ))  # fmt: skip

    def run_ours() -> None:
        cache = Path(tempfile.mkdtemp(dir=folder, prefix="cache-"))
        command = [str(BIN / "audio-articles"), "convert", str(text), "--voices", "natural", "-o", str(ours)]
        our_runs.append(measure_tree(command, env={**env, "AUDIO_ARTICLES_CACHE": str(cache)}, timeout=TIMEOUT_S))
        subprocess.run(["rm", "-rf", str(cache)], check=True)

    for round_number in range(max(1, rounds)):
        for measure in (run_bare, run_ours) if round_number % 2 == 0 else (run_ours, run_bare):
            measure()
            done = (bare_runs if measure is run_bare else our_runs)[-1]
            print(f"  natural {name}, round {round_number + 1}, {'bare' if measure is run_bare else 'ours'}: "
                  f"{done.wall_s:.1f} s, CPU {done.cpu_s:.1f} s, {done.peak_rss_mb:.0f} MB (PSS {done.peak_pss_mb:.0f})",
                  file=sys.stderr, flush=True)  # fmt: skip
    bare, run = median(bare_runs), median(our_runs)
    ratios = sorted(mine.wall_s / theirs.wall_s for mine, theirs in zip(our_runs, bare_runs))
    cpu_ratios = sorted(mine.cpu_s / theirs.cpu_s for mine, theirs in zip(our_runs, bare_runs))
    return [
        Row(f"natural: bare piper + ffmpeg, {name} (median of {len(bare_runs)})", bare.wall_s,
            audio_seconds(mp3), max(r.peak_rss_mb for r in bare_runs),
            "piper -m joe.onnx -i t.txt -f t.wav && ffmpeg -i t.wav -ac 1 -b:a 64k t.mp3", cpu_s=bare.cpu_s,
            peak_pss_mb=max(r.peak_pss_mb for r in bare_runs)),
        Row(f"natural: convert --voices natural, {name} (median of {len(our_runs)})", run.wall_s,
            audio_seconds(ours), max(r.peak_rss_mb for r in our_runs), cpu_s=run.cpu_s,
            peak_pss_mb=max(r.peak_pss_mb for r in our_runs),
            note=f"{run.wall_s / bare.wall_s:.2f}× the bare time (goal ≤ 0.5); round by round "
            f"{', '.join(f'{r:.2f}' for r in ratios)}; CPU time {', '.join(f'{r:.2f}' for r in cpu_ratios)}×"),
    ]  # fmt: skip


def rows() -> list[Row]:
    model = voice_model()
    if model is None:
        print("bench_natural: skipped, the natural extra is not installed", file=sys.stderr)
        return []
    with tempfile.TemporaryDirectory(prefix="bench-natural-") as scratch:
        folder = Path(scratch)
        env = {"AUDIO_ARTICLES_MODEL_CACHE": str(folder / "models")}
        prepare = measure_tree(
            [str(BIN / "python"), "-c", "import sys; from pathlib import Path; "
             "from audio_articles.speech.engines.piper_model import cpu_session; import onnxruntime; "
             "cpu_session(Path(sys.argv[1]), onnxruntime.SessionOptions(), ['CPUExecutionProvider'])", str(model)],
            env=env,
        )  # fmt: skip
        short = folder / "eight.txt"
        short.write_text(long_article(SHORT_WORDS), encoding="utf-8")
        result = compare("≈ 8 min", short, model, folder, ROUNDS, env)
        result[0].note += f"; preparing the voice once took {prepare.wall_s:.1f} s ({prepare.cpu_s:.1f} CPU-s)"
        if os.environ.get("BENCH_NATURAL_HOUR", "1") != "0":
            hour = folder / "hour.txt"
            hour.write_text(long_article(HOUR_WORDS, seed=5), encoding="utf-8")
            result += compare("≈ 1 h", hour, model, folder, 1, env)
    return result
