"""Threads vs Spark local[2] on this machine: the copy phase of a first replica, and what
Spark adds per job and per file (the inputs of the README's scaling model).

    python -m bench.spark_copy [--gib 1] [--files 1000] [--tiny 1000] [--runs 3]

- start-up: creating a local[2] SparkSession (the JVM, once per process);
- copy: --gib GiB in --files files, local -> local, ThreadExecutor vs SparkExecutor on the
  same CopyTasks (median of --runs, the page cache dropped by `sync` before each);
- overhead: --tiny files of 1 byte, where copying costs nothing and what is left is the
  engine: Spark's fixed cost per job (one file) and its marginal cost per file.

Every number is from this machine, shared with other work while it ran: rerun before
trusting one. Spark here has two cores and no network; on a cluster it buys cores and
disks, which a 2-core machine does not have to give.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.table_ops import make_table
from standby.engines import CopyExecutor, CopyTask, ThreadExecutor
from standby.engines.spark import SparkExecutor
from standby.storage import open_store

Row = tuple[str, str, str]


def tasks_for(src: Path, dst: Path) -> list[CopyTask]:
    source, target = open_store(str(src)), open_store(str(dst))
    return [
        CopyTask(source, p.name, target, p.name, p.stat().st_size)
        for p in sorted(src.glob("*.parquet"))
    ]


def timed_copy(executor: CopyExecutor, src: Path, dst: Path) -> float:
    subprocess.run(["sync"], check=True)
    tasks = tasks_for(src, dst)
    started = time.perf_counter()
    executor.run(tasks)
    took = time.perf_counter() - started
    shutil.rmtree(dst)
    return took


def start_spark() -> tuple[Any, float]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    session = (
        SparkSession.builder.master("local[2]")
        .appName("standby-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session, time.perf_counter() - started


def bench_copy(work: Path, spark: SparkExecutor, gib: float, files: int, runs: int) -> list[Row]:
    src = work / "copy-src"
    make_table(src, total_bytes=int(gib * (1 << 30)), files=files)
    threads = ThreadExecutor()
    timed_copy(spark, src, work / "warm")  # Python workers start on the first job
    ours, theirs = [], []
    for i in range(runs):  # interleaved: the disk is shared and noisy
        theirs.append(timed_copy(threads, src, work / f"t{i}"))
        ours.append(timed_copy(spark, src, work / f"s{i}"))
    t, s = statistics.median(theirs), statistics.median(ours)
    mib = gib * 1024
    label = f"copy {gib:g} GiB / {files} files, local (median of {runs})"
    return [
        (
            label,
            f"Spark local[2] {s:.2f} s ({mib / s:.0f} MiB/s, {files / s:.0f} files/s)",
            f"threads {t:.2f} s ({mib / t:.0f} MiB/s, {files / t:.0f} files/s)",
        )
    ]


def bench_overhead(work: Path, spark: SparkExecutor, tiny: int, runs: int) -> list[Row]:
    src = work / "tiny-src"
    make_table(src, total_bytes=tiny, files=tiny)
    one = work / "one-src"
    make_table(one, total_bytes=1, files=1)
    threads = ThreadExecutor()
    job = statistics.median(timed_copy(spark, one, work / f"o{i}") for i in range(runs))
    many = statistics.median(timed_copy(spark, src, work / f"m{i}") for i in range(runs))
    base = statistics.median(timed_copy(threads, src, work / f"b{i}") for i in range(runs))
    per_file = (many - job) / (tiny - 1) * 1000
    return [
        ("Spark job, 1 file (fixed cost per batch)", f"{job * 1000:.0f} ms", ""),
        (
            f"{tiny} files of 1 byte (marginal cost per file)",
            f"Spark {many:.2f} s: {per_file:.2f} ms/file over the job",
            f"threads {base:.2f} s: {base / tiny * 1000:.2f} ms/file",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--tiny", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="standby-bench-spark-", dir=os.environ.get("BENCH_DIR")))
    rows: list[Row] = []
    session, startup = start_spark()
    try:
        rows.append(("Spark local[2] start-up (once per process)", f"{startup:.1f} s", ""))
        spark = SparkExecutor(session=session)
        measured = bench_copy(work, spark, args.gib, args.files, args.runs)
        measured += bench_overhead(work, spark, args.tiny, args.runs)
        for row in measured:
            rows.append(row)
            print(" | ".join(row), file=sys.stderr, flush=True)
    finally:
        session.stop()
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark (machine shared with other work)':<{width}}  {'spark':>24}  threads")
    for name, ours, base in rows:
        print(f"{name:<{width}}  {ours:>24}  {base}")


if __name__ == "__main__":
    main()
