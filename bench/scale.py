"""Large logs: every command on a log of 300,000 adds (../shared/corpus-scale/), and on
generated logs of the same shape (a partitioned table of 100 columns, three large commits,
no data files) with 300,000 and 1,000,000 adds, as whole processes: wall time, CPU time and
peak RSS each. Goals: under 3 s and 300 MB on the corpus log; on 1,000,000 adds, time
linear in the adds and under 600 MB.

python -m bench.scale [--sizes 300000,1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.processes import Run, run_cli

CORPUS_LOG = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "corpus-scale"
    / "300k-add-files-100-col-partitioned"
)
COMMANDS = {
    "table history": ["table", "history", "{t}"],
    "safe-point": ["safe-point", "{t}"],
    "replicate --dry-run": ["replicate", "--dry-run", "{t}", "{w}/replica"],
    "table clone --dry-run": ["table", "clone", "--dry-run", "{t}", "{w}/clone"],
    "verify": ["verify", "{t}"],
    "status": ["status", "{t}", "{w}/replica"],
}
Row = tuple[str, str, str, str, str]


def make_log(root: Path, adds: int) -> Path:
    """The corpus log's shape with `adds` adds: its first two commits as they are (protocol,
    the 100-column schema, ten adds), then three commits sharing the rest."""
    log = root / "_delta_log"
    log.mkdir(parents=True)
    for v in (0, 1):
        name = f"{v:020d}.json"
        shutil.copyfile(CORPUS_LOG / "_delta_log" / name, log / name)
    rest = range(10, adds)
    third = -(-len(rest) // 3)
    for n, v in enumerate((2, 3, 4)):
        with (log / f"{v:020d}.json").open("w") as f:
            for i in rest[n * third : (n + 1) * third]:
                part = f"part_{i % 100}"
                add = {
                    "path": f"{part}/file_{i}.parquet",
                    "partitionValues": {"partition_col": part},
                    "size": 1048576,
                    "modificationTime": 1234567890 + i,
                    "dataChange": True,
                }
                f.write(json.dumps({"add": add}, separators=(",", ":")) + "\n")
    return root


def measure(table: Path, work: Path, repeat: int) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {name: [] for name in COMMANDS}
    for _ in range(repeat):  # interleaved: the machine is shared, its load moves
        for name, args in COMMANDS.items():
            argv = [a.replace("{t}", str(table)).replace("{w}", str(work)) for a in args]
            run = run_cli(argv, cwd=work)
            assert "Traceback" not in run.err, run.err
            runs[name].append(run)
    return runs


def rows_for(label: str, runs: dict[str, list[Run]]) -> list[Row]:
    rows = []
    for name, done in runs.items():
        wall = statistics.median(r.seconds for r in done)
        cpu = statistics.median(r.cpu for r in done)
        peak = max(r.peak_mb for r in done)
        rows.append((label, name, f"{wall:.2f} s", f"{cpu:.2f} s", f"{peak:.0f} MB"))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="300000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="standby-scale-", dir=os.environ.get("BENCH_DIR")))
    rows: list[Row] = []
    cpu_by_size: dict[int, dict[str, float]] = {}
    try:
        rows += rows_for("corpus 300k log", measure(CORPUS_LOG, work, args.repeat))
        for size in (int(s) for s in args.sizes.split(",")):
            table = make_log(work / f"gen-{size}", size)
            runs = measure(table, work, args.repeat)
            rows += rows_for(f"generated {size:,} adds", runs)
            cpu_by_size[size] = {n: statistics.median(r.cpu for r in d) for n, d in runs.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\nlarge logs (whole processes; wall and CPU: medians; peak RSS: max; shared machine)")
    print(f"{'log':26} {'command':24} {'wall':>8} {'CPU':>8} {'peak RSS':>9}")
    for label, name, wall, cpu, peak in rows:
        print(f"{label:26} {name:24} {wall:>8} {cpu:>8} {peak:>9}")
    sizes = sorted(cpu_by_size)
    if len(sizes) >= 2:
        print_scaling(cpu_by_size[sizes[0]], cpu_by_size[sizes[-1]], sizes[-1] / sizes[0])


def print_scaling(small: dict[str, float], big: dict[str, float], factor: float) -> None:
    """CPU per command beyond startup (what `status`, which reads no adds, costs); a
    command that starts lighter than `status` (history: no pyarrow) is compared whole."""
    start_small, start_big = small["status"], big["status"]
    parts = []
    for name in COMMANDS:
        if name == "status":
            continue
        if small[name] > start_small:
            parts.append(f"{name} {(big[name] - start_big) / (small[name] - start_small):.2f}x")
        else:
            parts.append(f"{name} {big[name] / small[name]:.2f}x (whole process)")
    print(f"CPU beyond startup for {factor:.2f}x the adds: " + ", ".join(parts))


if __name__ == "__main__":
    main()
