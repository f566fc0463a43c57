"""The listen-fix-listen loop from a cold process: `--help`, and `preview --paragraph 3`
on a ~4 KB article with an empty clip cache (targets: --help ≤ 0.4 s, preview ≤ 1.5 s),
then the same preview with its clips cached. With the natural extra: the time from a
cold ``preview --voices natural`` to its first audio reaching the player (a fake player
notes it; goal ≤ 1.0 s), and to the whole paragraph written. Each figure is the median of
several runs. Last, what the cache's size check costs a conversion that added clips, on a
full cache."""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

from common import BIN, Row, measure
from longtext import long_article

RUNS = 5
CACHE_CLIPS = 20_000
"""About what a 2 GiB cache holds (clips of a paragraph, ~100 KB each)."""
ARTICLE_WORDS = 680
"""About 4 KB of text."""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_run(command: list[str], env_for_run) -> tuple[float, float, str]:
    """Median wall time, the largest peak memory and a note with the median CPU time over
    RUNS cold runs (CPU time says what the command costs when other work shares the cores)."""
    walls, peaks, cpus = [], [], []
    for run in range(RUNS):
        before = cpu_seconds()
        wall, peak = measure(command, env=env_for_run(run))
        cpus.append(cpu_seconds() - before)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks), f"median of {RUNS}, CPU {statistics.median(cpus):.2f} s"


def rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as scratch:
        scratch = Path(scratch)
        article = scratch / "article.txt"
        article.write_text(long_article(ARTICLE_WORDS), encoding="utf-8")
        size_kb = article.stat().st_size / 1000
        output = scratch / "p3.wav"
        cli = str(BIN / "audio-articles")

        wall, peak, note = median_run([cli, "--help"], lambda run: {})
        result = [Row("audio-articles --help, cold", wall, None, peak, f"{note}; target ≤ 0.4 s")]

        preview = [cli, "preview", str(article), "--paragraph", "3", "--no-play", "-o", str(output)]
        wall, peak, note = median_run(preview, lambda run: {"AUDIO_ARTICLES_CACHE": str(scratch / f"cold-{run}")})
        with wave.open(str(output), "rb") as wav:
            audio = wav.getnframes() / wav.getframerate()
        result.append(
            Row(
                f"preview --paragraph 3, {size_kb:.1f} KB article, empty cache",
                wall, audio, peak, f"{note}; real engine; target ≤ 1.5 s",
            )  # fmt: skip
        )

        wall, peak, note = median_run(preview, lambda run: {"AUDIO_ARTICLES_CACHE": str(scratch / "cold-0")})
        result.append(Row("preview --paragraph 3, clips cached", wall, audio, peak, note))
        result.extend(natural_rows(scratch, article))
        result.extend(cache_check_rows(scratch / "full-cache"))
        return result


FAKE_PLAYER = """
# A player that plays nothing: it notes when the first audio after the WAV header arrives.
head -c 46 > /dev/null
date +%s.%N > "$BENCH_PLAYER_OUT.first"
cat /proc/$PPID/stat > "$BENCH_PLAYER_OUT.cpu"
cat > /dev/null
"""


def natural_rows(scratch: Path, article: Path) -> list[Row]:
    """Time to first audio of ``preview --voices natural`` (played while it renders), cold
    clip cache; the voice's prepared copy made beforehand, as after the first use."""
    import importlib.util
    import os

    if importlib.util.find_spec("piper") is None:
        return []
    player = scratch / "player.sh"
    player.write_text(FAKE_PLAYER, encoding="utf-8")
    cli = str(BIN / "audio-articles")
    command = [cli, "preview", str(article), "--paragraph", "3", "--voices", "natural", "-o", str(scratch / "n3.wav")]
    env = {"AUDIO_ARTICLES_MODEL_CACHE": str(scratch / "models"), "AUDIO_ARTICLES_PLAYER": f"sh {player}",
           "BENCH_PLAYER_OUT": str(scratch / "played")}  # fmt: skip
    measure(command, env={**env, "AUDIO_ARTICLES_CACHE": str(scratch / "natural-warm-up")})
    firsts, first_cpus, walls, cpus, peaks = [], [], [], [], []
    for run in range(RUNS):
        before = cpu_seconds()
        start = time.time()
        wall, peak = measure(command, env={**env, "AUDIO_ARTICLES_CACHE": str(scratch / f"natural-{run}")})
        cpus.append(cpu_seconds() - before)
        firsts.append(float((scratch / "played.first").read_text()) - start)
        # CPU time of the preview (one process) when the player got its first audio.
        ticks = (scratch / "played.cpu").read_text().rsplit(")", 1)[1].split()
        first_cpus.append((int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK"))
        walls.append(wall)
        peaks.append(peak)
        os.remove(scratch / "played.first")
    with wave.open(str(scratch / "n3.wav"), "rb") as wav:
        audio = wav.getnframes() / wav.getframerate()
    return [
        Row("preview --voices natural: first audio to the player", statistics.median(firsts), None, max(peaks),
            f"median of {RUNS} ({', '.join(f'{f:.2f}' for f in sorted(firsts))}); its CPU time by then "
            f"{statistics.median(first_cpus):.2f} s; empty clip cache; target ≤ 1.0 s"),
        Row("preview --voices natural: whole paragraph written", statistics.median(walls), audio, max(peaks),
            f"median of {RUNS}, CPU {statistics.median(cpus):.2f} s; played while it renders"),
    ]  # fmt: skip


def cache_check_rows(root: Path) -> list[Row]:
    """Cost of the size check a run does when it added clips, on a cache of CACHE_CLIPS
    clips within its limit: a full count (first run, or once a day), then the estimate."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from audio_articles.speech import cache as cache_module
    from audio_articles.speech.cache import ClipCache

    for n in range(CACHE_CLIPS):
        name = f"{n:064x}"[::-1]
        folder = root / name[:2]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.wav").write_bytes(b"")
    cache = ClipCache(root, max_bytes=2 * 1024**3)
    full, estimated = [], []
    for _ in range(RUNS):
        (root / cache_module.TOTAL_NAME).unlink(missing_ok=True)
        start = time.perf_counter()
        cache.trim()
        full.append(time.perf_counter() - start)
        start = time.perf_counter()
        cache.trim()
        estimated.append(time.perf_counter() - start)
    return [
        Row(f"cache size check, {CACHE_CLIPS} clips, full count", statistics.median(full), None, None,
            f"median of {RUNS}; first run, then once a day"),
        Row(f"cache size check, {CACHE_CLIPS} clips, estimate", statistics.median(estimated), None, None,
            f"median of {RUNS}; every run that added clips"),
    ]  # fmt: skip
