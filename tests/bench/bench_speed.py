"""Speed and scale: our tool against the bare espeak-ng + ffmpeg pipeline on the same text.

Rows (all with a cold clip cache, real engine, real ffmpeg):

- the bare pipeline, ``espeak-ng -f t.txt -w a.wav && ffmpeg -i a.wav -ac 1 -b:a 64k a.mp3``,
  on an hour of text, then our ``convert`` of the same file (goal: ≤ 0.5× its wall time);
- ten times the text, about ten hours (goal: ≤ 11× the time of one hour, peak memory of
  all processes ≤ 300 MB and no higher than for one hour), compared with the hour
  converted just before and just after it;
- 200 short articles in one command (goal: every core busy, start-up paid once), against
  20 of them converted with one command each.

The one-hour comparison is run ``BENCH_ROUNDS`` times (default 5), the bare pipeline and
ours alternately, the one that goes first alternating too, and each row shows its median
run: on a shared machine the speed of a core drifts by ±20 % from one minute to the next,
and alternating keeps both sides under the same conditions. ``BENCH_SPEED_LONG=0`` skips
the ten-hour row (it writes ≈ 1.6 GB of clips to a temporary cache and takes a few
minutes).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from common import BIN, Measurement, Row, audio_seconds, measure_tree
from longtext import long_article, short_articles

HOUR_WORDS = 12_000
"""About an hour of speech at espeak-ng's default pace (≈ 200 words a minute)."""
BATCH_ARTICLES = 200
ONE_BY_ONE = 20
TIMEOUT_S = 1800
"""A run that takes longer is stopped and reported as failed (a hung engine, say)."""
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def failed(name: str, error: Exception) -> Row:
    return Row(name, float("nan"), note=f"failed: {str(error)[-120:]}")


def convert_cold(sources: list[Path], output: Path, folder: Path, *extra: str) -> Measurement:
    """Convert with a fresh (cold) clip cache."""
    cache = Path(tempfile.mkdtemp(dir=folder, prefix="cache-"))
    command = [str(BIN / "audio-articles"), "convert", *map(str, sources), "-o", str(output), *extra]
    found = measure_tree(command, env={"AUDIO_ARTICLES_CACHE": str(cache)}, timeout=TIMEOUT_S)
    subprocess.run(["rm", "-rf", str(cache)], check=True)
    return found


def output_seconds(output: Path) -> float:
    outputs = sorted(output.glob("*.mp3")) if output.is_dir() else [output]
    return sum(audio_seconds(path) for path in outputs)


def convert_row(name: str, sources: list[Path], output: Path, folder: Path, *extra: str) -> tuple[Row, float]:
    """Convert with a fresh (cold) cache; the row and the seconds of audio written."""
    found = convert_cold(sources, output, folder, *extra)
    audio = output_seconds(output)
    return Row(name, found.wall_s, audio, found.peak_rss_mb, cpu_s=found.cpu_s, peak_pss_mb=found.peak_pss_mb), audio


def median_run(runs: list[Measurement]) -> Measurement:
    """The run of median wall time (the lower middle one of an even count)."""
    return sorted(runs, key=lambda run: run.wall_s)[(len(runs) - 1) // 2]


def rows() -> list[Row]:
    result: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as scratch:
        folder = Path(scratch)
        hour = folder / "hour.txt"
        hour.write_text(long_article(HOUR_WORDS), encoding="utf-8")

        bare_runs, our_runs = [], []

        def run_bare() -> None:
            bare_runs.append(measure_tree(
                f"espeak-ng -f {hour} -w {folder}/a.wav && ffmpeg -v error -y -i {folder}/a.wav -ac 1 -b:a 64k {folder}/a.mp3",
                shell=True,
            ))  # fmt: skip

        def run_ours() -> None:
            our_runs.append(convert_cold([hour], folder / "hour.mp3", folder))

        for round_number in range(max(1, ROUNDS)):
            # Which goes first alternates, so neither side always meets the host as the
            # other left it (its page cache, its neighbours' load).
            for measure in (run_bare, run_ours) if round_number % 2 == 0 else (run_ours, run_bare):
                measure()
        bare, run = median_run(bare_runs), median_run(our_runs)
        result.append(
            Row(f"speed: bare espeak-ng + ffmpeg, 1 h (median of {len(bare_runs)})", bare.wall_s,
                audio_seconds(folder / "a.mp3"), bare.peak_rss_mb,
                "espeak-ng -f t.txt -w a.wav && ffmpeg -i a.wav -ac 1 -b:a 64k a.mp3", cpu_s=bare.cpu_s,
                peak_pss_mb=bare.peak_pss_mb)
        )  # fmt: skip
        ratios = sorted(mine.wall_s / theirs.wall_s for mine, theirs in zip(our_runs, bare_runs))
        ours = Row(
            f"speed: audio-articles convert, 1 h (median of {len(our_runs)})", run.wall_s,
            output_seconds(folder / "hour.mp3"), max(r.peak_rss_mb for r in our_runs), cpu_s=run.cpu_s,
            peak_pss_mb=max(r.peak_pss_mb for r in our_runs),
            note=f"{run.wall_s / bare.wall_s:.2f}× the bare pipeline's time (goal ≤ 0.4); "
            f"round by round {', '.join(f'{r:.2f}' for r in ratios)}",
        )  # fmt: skip
        result.append(ours)

        one_core, _ = convert_row("speed: audio-articles convert, 1 h, --jobs 1", [hour], folder / "one.mp3", folder, "--jobs", "1")
        one_core.note = f"{one_core.wall_s / bare.wall_s:.2f}× bare; all cores are {one_core.wall_s / ours.wall_s:.1f}× faster"
        result.append(one_core)

        if os.environ.get("BENCH_SPEED_LONG", "1") != "0":
            book = folder / "book.txt"
            book.write_text(long_article(10 * HOUR_WORDS, seed=9), encoding="utf-8")
            # The book is compared with the hour converted just before and just after it:
            # the host's speed drifts over the minutes the rounds above take.
            run_ours()
            long, _ = convert_row("speed: audio-articles convert, 10 h", [book], folder / "book.mp3", folder)
            run_ours()
            around = our_runs[-2:]
            wall = sum(r.wall_s for r in around) / 2
            cpu = sum(r.cpu_s for r in around) / 2
            long.note = (
                f"10× the text: {long.wall_s / wall:.1f}× the time of the hour converted before and after it "
                f"(goal ≤ 11; {long.wall_s / ours.wall_s:.1f}× the median hour), {long.cpu_s / cpu:.1f}× its CPU "
                f"time; memory {long.peak_rss_mb / ours.peak_rss_mb:.2f}× the 1 h run's"
            )
            result.append(long)
            (folder / "book.mp3").unlink()

        shorts = folder / "shorts"
        shorts.mkdir()
        for n, text in enumerate(short_articles(BATCH_ARTICLES)):
            (shorts / f"article-{n:03d}.txt").write_text(text, encoding="utf-8")
        batch, _ = convert_row(
            f"speed: batch of {BATCH_ARTICLES} short articles, 1 command", [shorts], folder / "batch-out", folder
        )
        batch.note = f"{batch.wall_s / BATCH_ARTICLES:.2f} s an article, {os.cpu_count()} cores"
        result.append(batch)

        few = sorted(shorts.iterdir())[:ONE_BY_ONE]
        grouped, _ = convert_row(f"speed: {ONE_BY_ONE} short articles, 1 command", few, folder / "few-out", folder)
        result.append(grouped)
        script = " && ".join(
            f"{BIN / 'audio-articles'} convert {path} -o {folder / 'each'}-{path.stem}.mp3" for path in few
        )
        cache = Path(tempfile.mkdtemp(dir=folder, prefix="cache-"))
        name = f"speed: {ONE_BY_ONE} short articles, 1 command each"
        try:
            each = measure_tree(script, shell=True, env={"AUDIO_ARTICLES_CACHE": str(cache)}, timeout=TIMEOUT_S)
        except RuntimeError as error:
            result.append(failed(name, error))
            return result
        audio = sum(audio_seconds(path) for path in folder.glob("each-*.mp3"))
        result.append(
            Row(name, each.wall_s, audio, each.peak_rss_mb,
                f"{each.wall_s / grouped.wall_s:.1f}× the time of one command", cpu_s=each.cpu_s)
        )  # fmt: skip
    return result
