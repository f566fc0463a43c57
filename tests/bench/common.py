"""Shared helpers for the benchmark modules: timing commands and measuring memory."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class Row:
    """One line of the benchmark table."""

    name: str
    wall_s: float
    audio_s: float | None = None
    """Seconds of audio produced, for the real-time factor."""
    peak_rss_mb: float | None = None
    """Peak resident memory of the whole process tree."""
    note: str = ""
    cpu_s: float | None = None
    """CPU seconds (user + system) of the whole process tree."""
    peak_pss_mb: float | None = None
    """Peak proportional memory of the tree (see ``Measurement``)."""

    @property
    def realtime_factor(self) -> float | None:
        return self.audio_s / self.wall_s if self.audio_s and self.wall_s else None

    @property
    def cores(self) -> float | None:
        """Cores kept busy on average: CPU time over wall time."""
        return self.cpu_s / self.wall_s if self.cpu_s and self.wall_s else None


@dataclass(frozen=True)
class Measurement:
    """What one command cost: wall time, peak memory and CPU time of its process tree.

    ``peak_rss_mb`` adds up each process's resident memory, so a page two processes share
    (a library both load, the pages a worker still shares with the process it was forked
    from) counts once in each; ``peak_pss_mb`` adds up their proportional set sizes, each
    shared page split between its sharers: what the tree costs the machine. Reading it
    takes ≈ 0.75 ms a process, so it is sampled every ``PSS_EVERY``-th time only."""

    wall_s: float
    peak_rss_mb: float
    cpu_s: float
    peak_pss_mb: float = 0.0


PSS_EVERY = 10
"""Proportional memory is read at every tenth sample (every 0.2 s): reading it every 20 ms
would keep a third of a core busy beside the command measured."""


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmSize) of a process, in kB."""
    rss = size = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmSize:"):
                size = int(line.split()[1])
    return rss, size


def _pss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def _same_memory(child: tuple[int, int], parent: tuple[int, int]) -> bool:
    return child[1] == parent[1] and abs(child[0] - parent[0]) < 1024


def _tree_rss_kb(pid: int, cpu_ticks: dict[int, int] | None = None, pss: list[int] | None = None) -> int:
    """Resident memory of a process and all its descendants, from /proc; with
    ``cpu_ticks``, also record each process's CPU time so far (in clock ticks); with
    ``pss``, also add up their proportional set sizes into ``pss[0]``.

    A child caught between ``vfork`` (as Python's subprocess starts a program) and
    ``exec`` runs in its parent's memory: it shows the parent's virtual size and resident
    memory (within the pages it touched since), and is not counted twice; neither is a
    child just forked, whose pages are all still its parent's."""
    total = 0
    pending = [(pid, None)]
    while pending:
        current, parent_memory = pending.pop()
        try:
            memory = _memory_kb(current)
            if parent_memory is None or not _same_memory(memory, parent_memory):
                total += memory[0]
                if pss is not None:
                    pss[0] += _pss_kb(current)
            if cpu_ticks is not None:
                with open(f"/proc/{current}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                # utime and stime are fields 14 and 15 of /proc/PID/stat (12 and 13 after the name).
                cpu_ticks[current] = max(cpu_ticks.get(current, 0), int(fields[11]) + int(fields[12]))
            # Children started by any thread (not only the main one) of the process.
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend((int(child), memory) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(command: list[str] | str, shell: bool = False, env: dict | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB of its whole process tree)."""
    found = measure_tree(command, shell, env)
    return found.wall_s, found.peak_rss_mb


def measure_tree(
    command: list[str] | str, shell: bool = False, env: dict | None = None, timeout: float | None = None
) -> Measurement:
    """Run a command; measure wall time, and peak memory and CPU time of its whole process
    tree (sampled every 20 ms, so a process living less than that may be missed). After
    ``timeout`` seconds the whole tree is stopped and RuntimeError raised."""
    start = time.perf_counter()
    process = subprocess.Popen(
        # PYTHONPATH: the console script of an editable install imports the checkout it was
        # installed from; the bench measures this one.
        command, shell=shell, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    peak = peak_pss = 0
    ticks: dict[int, int] = {}

    def sample() -> None:
        nonlocal peak, peak_pss
        count = 0
        while process.poll() is None:
            pss = [0] if count % PSS_EVERY == 0 else None
            peak = max(peak, _tree_rss_kb(process.pid, ticks, pss))
            if pss is not None:
                peak_pss = max(peak_pss, pss[0])
            count += 1
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.communicate()
        raise RuntimeError(f"{command!r} did not finish in {timeout:g} s") from None
    wall = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        text = stderr.decode(errors="replace")
        errors = [line for line in text.splitlines() if "error" in line.lower()]
        raise RuntimeError(f"{command!r} failed: {' | '.join(errors[:5]) or text[-500:]}")
    return Measurement(wall, peak / 1024, sum(ticks.values()) / os.sysconf("SC_CLK_TCK"), peak_pss / 1024)


def print_table(rows: list[Row]) -> None:
    header = (f"{'benchmark':<48} {'wall s':>8} {'audio s':>9} {'× real time':>11} {'peak MB':>8} {'PSS MB':>7}"
              f" {'cores':>5}  note")  # fmt: skip
    print(header)
    print("-" * len(header))
    for row in rows:
        rtf = f"{row.realtime_factor:.0f}" if row.realtime_factor else "-"
        audio = f"{row.audio_s:.0f}" if row.audio_s else "-"
        peak = f"{row.peak_rss_mb:.0f}" if row.peak_rss_mb else "-"
        pss = f"{row.peak_pss_mb:.0f}" if row.peak_pss_mb else "-"
        cores = f"{row.cores:.1f}" if row.cores else "-"
        print(f"{row.name:<48} {row.wall_s:>8.2f} {audio:>9} {rtf:>11} {peak:>8} {pss:>7} {cores:>5}  {row.note}")


SAMPLE_COPIES = 4
"""Each sample article, with its headline numbered, this many times (feed and batch rows)."""


def write_sample_copies(folder: Path, copies: int = SAMPLE_COPIES) -> int:
    """Copies of samples/*.txt in ``folder``, each headline numbered; how many were written."""
    folder.mkdir()
    count = 0
    for sample in sorted((ROOT / "samples").glob("*.txt")):
        headline, rest = sample.read_text(encoding="utf-8").split("\n", 1)
        for copy in range(1, copies + 1):
            (folder / f"{sample.stem}-{copy}.txt").write_text(f"{headline} (part {copy})\n{rest}", "utf-8")
            count += 1
    return count


def audio_seconds(path: Path) -> float:
    """Seconds of audio in a file, as ffprobe reads it."""
    import json

    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return float(json.loads(out)["format"]["duration"])


def feed_audio_seconds(feed: Path) -> float:
    """Seconds of audio in a feed folder's episodes, from its state file."""
    import json

    state = json.loads((feed / ".feed-state.json").read_text(encoding="utf-8"))
    return sum(episode["duration_ms"] for episode in state["episodes"]) / 1000
