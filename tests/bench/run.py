"""`make bench`: speed and memory figures, printed as one table.

Each ``tests/bench/bench_*.py`` module defines ``rows() -> list[Row]``; this script runs
them in name order and prints every row. Benchmarks print figures; they assert nothing
about wall-clock time (that is for people reading the table, not for the test suite).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Row, print_table  # noqa: E402


def main(argv: list[str]) -> int:
    wanted = argv[1:]  # optional module names, e.g. "speed preview"
    rows: list[Row] = []
    for path in sorted(HERE.glob("bench_*.py")):
        topic = path.stem.removeprefix("bench_")
        if wanted and topic not in wanted:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"running {topic} …", file=sys.stderr, flush=True)
        rows.extend(module.rows())
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
