"""Start-up as users feel it: whole `standby` processes, from exec to exit.

python -m bench.startup [--runs 5]

Each command runs as the console script does (a new interpreter, `python -m standby`),
its runs interleaved with the others'; the median of `--runs` is printed. `python -c pass`
is the floor every Python program pays. Target: help and table commands under 0.25 s.
The first copies (`replicate`, `table clone` of the five-version table into a new
directory each run) are what a copy of any small table pays before its bytes.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import deltalake
import pyarrow as pa

TARGET = 0.25  # seconds


def make_table(path: Path) -> None:
    """A small table with five versions: what `table history` reads in a second run."""
    for i in range(5):
        rows = pa.table({"id": pa.array(range(i * 10, i * 10 + 10), pa.int64())})
        deltalake.write_deltalake(str(path), rows, mode="append")


def timed_process(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run: on a shared machine the wall
    time moves with the load, the CPU time much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="standby-bench-", dir=os.environ.get("BENCH_DIR")))
    table = work / "t"
    make_table(table)
    standby = [sys.executable, "-m", "standby"]
    copies = itertools.count()

    def copy(*command: str) -> Callable[[], list[str]]:
        return lambda: [*standby, *command, str(table), str(work / f"copy-{next(copies)}")]

    cases: dict[str, list[str] | Callable[[], list[str]]] = {
        "python -c pass (the floor)": [sys.executable, "-c", "pass"],
        "standby --help": [*standby, "--help"],
        "standby --version": [*standby, "--version"],
        "standby table history --help": [*standby, "table", "history", "--help"],
        "standby table history URI (5 versions)": [*standby, "table", "history", str(table)],
        "standby replicate --help": [*standby, "replicate", "--help"],
        "standby config check --help": [*standby, "config", "check", "--help"],
        "standby replicate URI NEW (first copy, 5 versions)": copy("replicate"),
        "standby table clone URI NEW (deep clone, 5 versions)": copy("table", "clone"),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    try:
        for argv in cases.values():
            timed_process(argv() if callable(argv) else argv)  # warm the page cache and .pyc
        for _ in range(args.runs):
            for name, argv in cases.items():
                times[name].append(timed_process(argv() if callable(argv) else argv))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(name) for name in cases)
    title = f"start-up, whole process (median of {args.runs})"
    print(f"{title:<{width}}     wall      CPU")
    for name, runs in times.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        note = "" if "floor" in name else f"  target < {TARGET} s"
        print(f"{name:<{width}}  {wall:6.3f} s  {cpu:5.3f} s{note}")


if __name__ == "__main__":
    main()
