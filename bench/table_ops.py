"""Foundation benchmarks: deep clone vs `cp -r`, and `table history` of a long log.

python -m bench.table_ops [--gib 1.0] [--files 1000] [--rounds 3] [--commits 10000]

Deep clone: in this process and as a `standby table clone` process, alternated with
`cp -r` (bench/versus_cp.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.versus_cp import timed, versus_cp
from standby.tables import clone, history

PROTOCOL = {"minReaderVersion": 1, "minWriterVersion": 2}
METADATA = {
    "id": "bench",
    "format": {"provider": "parquet", "options": {}},
    "schemaString": json.dumps(
        {
            "type": "struct",
            "fields": [{"name": "id", "type": "long", "nullable": True, "metadata": {}}],
        }
    ),
    "partitionColumns": [],
    "configuration": {},
    "createdTime": 0,
}


def make_table(root: Path, *, total_bytes: int, files: int) -> None:
    """A Delta table of `files` data files adding up to `total_bytes` (random bytes:
    the copy path does not read them, and incompressible data is the honest case)."""
    size = total_bytes // files
    log = root / "_delta_log"
    log.mkdir(parents=True)
    actions: list[dict[str, object]] = [
        {"protocol": PROTOCOL},
        {"metaData": METADATA},
        {"commitInfo": {"timestamp": int(time.time() * 1000), "operation": "WRITE"}},
    ]
    block = os.urandom(size)
    for i in range(files):
        name = f"part-{i:05d}.snappy.parquet"
        (root / name).write_bytes(block[:-8] + i.to_bytes(8, "big"))
        actions.append(
            {
                "add": {
                    "path": name,
                    "size": size,
                    "partitionValues": {},
                    "modificationTime": 0,
                    "dataChange": True,
                }
            }
        )
    (log / f"{0:020d}.json").write_text("\n".join(json.dumps(a) for a in actions) + "\n")


def make_long_log(root: Path, *, commits: int, every: int = 10) -> None:
    """A table with `commits` small appends and a classic checkpoint every `every`."""
    log = root / "_delta_log"
    log.mkdir(parents=True)
    protocol, meta = PROTOCOL, METADATA
    adds: list[dict[str, object]] = []
    t0 = 1_700_000_000_000
    for v in range(commits):
        add = {
            "path": f"part-{v:06d}.parquet",
            "size": 100,
            "partitionValues": {},
            "modificationTime": t0 + v,
            "dataChange": True,
        }
        adds.append(add)
        lines = [
            {
                "commitInfo": {
                    "timestamp": t0 + v * 1000,
                    "operation": "WRITE",
                    "operationParameters": {"mode": "Append"},
                }
            }
        ]
        if v == 0:
            lines += [{"protocol": protocol}, {"metaData": meta}]
        lines.append({"add": add})
        (log / f"{v:020d}.json").write_text("\n".join(json.dumps(a) for a in lines) + "\n")
        if v and v % every == 0:
            rows = [{"protocol": protocol}, {"metaData": {**meta, "configuration": []}}]
            rows += [{"add": {**a, "partitionValues": []}} for a in adds]
            pq.write_table(pa.Table.from_pylist(rows), log / f"{v:020d}.checkpoint.parquet")
    last = (commits - 1) // every * every
    (log / "_last_checkpoint").write_text(json.dumps({"version": last, "size": last + 3}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commits", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="standby-bench-", dir=os.environ.get("BENCH_DIR")))
    rows: list[tuple[str, str, str]] = []
    try:
        src = work / "src"
        make_table(src, total_bytes=int(args.gib * (1 << 30)), files=args.files)
        rows += versus_cp(
            f"deep clone, {args.gib:g} GiB / {args.files} files",
            src,
            work,
            in_process=lambda s, d: clone(s, d),
            command=["table", "clone"],
            rounds=args.rounds,
        )

        long = work / "long"
        make_long_log(long, commits=args.commits)
        history(str(long))  # warm the page cache, as on any second run
        took = timed(lambda: history(str(long)))
        n = len(history(str(long)))
        rows.append(
            (f"table history, {n} commits, checkpoint every 10", f"{took:.2f} s", "target < 1 s")
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'standby':>9}  baseline", file=sys.stdout)
    for name, ours_s, base in rows:
        print(f"{name:<{width}}  {ours_s:>9}  {base}")


if __name__ == "__main__":
    main()
