"""A first copy of a local table against `cp -r` of the same directory, in alternation.

Each round copies the table three ways, each into a fresh directory after a `sync` (the
disk is shared and writeback of the previous copy would be charged to the next), each way
first in turn: `cp -r`,
standby in this process, standby as a whole process (`standby ...` from the venv, start-up
and imports included). A row gives the median of the rounds and, per round, the ratio to
that round's `cp -r`, smallest to largest: on a shared machine the spread is the honest part.
It also gives the CPU time (user + system) of each, which moves less with what else runs.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

Row = tuple[str, str, str]
BIN = Path(sys.executable).parent


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its waited-for children."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def _measured(copy: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one copy."""
    cpu = _cpu()
    wall = timed(copy)
    return wall, _cpu() - cpu


def versus_cp(
    label: str,
    src: Path,
    work: Path,
    *,
    in_process: Callable[[str, str], object],
    command: list[str],
    rounds: int = 3,
) -> list[Row]:
    """Rows for `label`: in-process and as a process, each against `cp -r`."""
    ways: dict[str, Callable[[Path], object]] = {
        "cp": lambda dst: _run(["cp", "-r", str(src), str(dst)]),
        "in-process": lambda dst: in_process(str(src), str(dst)),
        "process": lambda dst: _run([str(BIN / "standby"), *command, str(src), str(dst)]),
    }
    took: dict[str, list[float]] = {way: [] for way in ways}
    cpu: dict[str, list[float]] = {way: [] for way in ways}
    names = list(ways)
    for n in range(rounds):
        # Each way goes first in turn: on this VM the first copy after a removal can pay
        # for memory the host took back (a `cp -r` of 0.5 s took 1.4-1.8 s there).
        for way in names[n % len(names) :] + names[: n % len(names)]:
            copy = ways[way]
            dst = work / f"{way}-{n}"
            _run(["sync"])
            wall, spent = _measured(lambda copy=copy, dst=dst: copy(dst))
            took[way].append(wall)
            cpu[way].append(spent)
            shutil.rmtree(dst)
    cp, cp_cpu = statistics.median(took["cp"]), statistics.median(cpu["cp"])
    rows = []
    for way in ("in-process", "process"):
        mine, mine_cpu = statistics.median(took[way]), statistics.median(cpu[way])
        ratios = sorted(m / c for m, c in zip(took[way], took["cp"], strict=True))
        spread = ", ".join(f"{r:.2f}" for r in ratios)
        rows.append(
            (
                f"{label}, {way} (median of {rounds})",
                f"{mine:.2f} s",
                f"cp -r {cp:.2f} s ({mine / cp:.2f}x; per round {spread}); "
                f"CPU {mine_cpu:.2f} s vs {cp_cpu:.2f} s",
            )
        )
    return rows
