"""Failback benchmarks: what a reprotect costs in storage requests, and the failback RTO.

    python -m bench.failback [--files 10000] [--commits 100] [--runs 3] [--only requests,rto]

- requests: after an outage of --commits commits on each side (each one small file, a
  checkpoint half-way on each side), reprotect the old primary's copy of a table of
  --files files, then of a table of 100 files, and count every storage request the
  reprotect's table steps make (rewind: find the fork, move the orphaned commits aside;
  copy back: DR's commits and their files), both sides, through `CountingStore`. The
  target: the big table within 1.5x of the small one (an outage's worth, not the table's).
  Counts are per call of the store interface; a listing also shows its 1,000-key pages
  (what S3 would bill), which is what grows with a log or a directory.
- rto: the failback of the demo's lakehouse (three small tables, two sandboxes, local
  disk) after the outage story (bench.failover's run): its journal's RTO.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import deltalake
import yaml

from bench.failover import one_run
from bench.replication import append_commit, make_history
from standby.config import load_config
from standby.failover.context import FailoverContext, FailoverOptions
from standby.failover.failback import _reprotect_steps
from standby.failover.sites import SiteHandle
from standby.failover.steps_reprotect import ReverseReplicate, Rewind
from standby.operations.journal import new_journal
from standby.replication import Replicator
from standby.replication.state import mark_promoted
from standby.storage import CountingStore, ObjectStore, open_store
from standby.storage.base import ObjectInfo

PAGE = 1000  # keys per LIST page on S3


class Counting(CountingStore):
    """CountingStore that also counts the objects its listings return."""

    def __init__(self, inner: ObjectStore):
        super().__init__(inner)
        self.pages = 0

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        found = list(super().list(prefix, offset=offset))
        self.pages += max(1, -(-len(found) // PAGE))
        return iter(found)


def outage(work: Path, files: int, commits: int) -> Path:
    """A table of `files` files replicated to DR, a forced failover (DR's copy promoted),
    `commits` commits on each side after it; the standby.yml of the two sites."""
    lakes = {site: work / f"{site}-{files}" for site in ("primary", "dr")}
    primary, dr = lakes["primary"] / "t", lakes["dr"] / "t"
    make_history(primary, files=files, commits=1)
    Replicator(open_store(str(primary)), open_store(str(dr))).run()
    mark_promoted(open_store(str(dr)), version=0, epoch=2, operation_id="bench-failover")
    for root, tag in ((primary, "orphaned"), (dr, "dr")):
        for version in range(1, commits + 1):
            append_commit(root, version, tag=tag)
            if version == commits // 2:
                deltalake.DeltaTable(str(root)).create_checkpoint()
    config = {
        "version": 1,
        "sites": {
            site: {"role": site, "storage": {"lake": str(lake)}} for site, lake in lakes.items()
        },
        "protected": {"tables": [{"location": str(primary), "tier": "tier1"}]},
    }
    path = work / f"standby-{files}.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def reprotect_requests(config_path: Path) -> dict[str, Any]:
    """Run the reprotect's table steps (rewind, copy back) with counted stores."""
    config = load_config(config_path)
    options = FailoverOptions(source="dr", target="primary", mode="planned")
    ctx = FailoverContext(config, options)
    (table,) = ctx.tables
    counted = {site: Counting(open_store(table.locations[site])) for site in ("dr", "primary")}
    # The sites' handles with the counted stores in place of the ones they would open.
    ctx.source = SiteHandle(config, "dr", _stores={table.locations["dr"]: counted["dr"]})
    ctx.target = SiteHandle(
        config, "primary", _stores={table.locations["primary"]: counted["primary"]}
    )
    steps = _reprotect_steps(options)
    ctx.journal = new_journal(
        "reprotect", options.to_args(), [(s.name, False) for s in steps], now_ms=0
    )
    ctx.journal.step("reprotect-preflight").changed["epoch"] = 2
    started = time.perf_counter()
    for step in (Rewind(), ReverseReplicate()):
        ctx.journal.step(step.name).changed.update(step.run(ctx).changed)
    seconds = time.perf_counter() - started
    rewound = ctx.journal.changed("rewind")["tables"][table.label]
    back = ctx.journal.changed("reverse-replicate")["tables"][table.label]
    calls = counted["dr"].calls + counted["primary"].calls
    return {
        "seconds": seconds,
        "requests": sum(calls.values()),
        "pages": counted["dr"].pages + counted["primary"].pages,
        "calls": calls,
        "moved": len(rewound["orphaned"]),
        "copied": back["commits"],
    }


def bench_requests(work: Path, files: int, commits: int) -> None:
    measured = {n: reprotect_requests(outage(work, n, commits)) for n in (files, 100)}
    big, small = measured[files], measured[100]
    print(f"\nReprotect after an outage of {commits} commits on each side (local disk)")
    print(
        f"{'table':<14} {'requests':>9} {'LIST pages':>11} {'moved':>6} {'copied':>7} {'time':>8}"
    )
    for n, m in measured.items():
        print(
            f"{n:>6} files   {m['requests']:>9} {m['pages']:>11} {m['moved']:>6} "
            f"{m['copied']:>7} {m['seconds']:>7.2f}s"
        )
    ratio = big["requests"] / small["requests"]
    pages = big["pages"] / small["pages"]
    verdict = "within" if ratio <= 1.5 and pages <= 1.5 else "NOT within"
    print(
        f"{files} files / 100 files: requests {ratio:.2f}x, LIST pages {pages:.2f}x "
        f"({verdict} the 1.5x target)"
    )
    print(f"by method, {files} files: {dict(sorted(big['calls'].items()))}")
    print(f"by method,    100 files: {dict(sorted(small['calls'].items()))}")


def bench_rto(work: Path, runs: int) -> None:
    reports = []
    for i in range(runs):
        _, failback_report = one_run(work / f"rto-{i}", outage=True)
        reports.append(failback_report)
    rtos = sorted(r["rto_seconds"] for r in reports)
    median = sorted(reports, key=lambda r: r["rto_seconds"])[len(reports) // 2]
    slowest = sorted(median["steps"], key=lambda s: -(s["seconds"] or 0))[:4]
    print(f"\nFailback RTO on the demo lakehouse after the outage story, {runs} runs")
    print(
        f"median {statistics.median(rtos):.2f} s (range {rtos[0]:.2f}-{rtos[-1]:.2f} s, "
        f"target < 60 s); slowest steps: "
        + ", ".join(f"{s['name']} {s['seconds']:.2f} s" for s in slowest)
    )
    orphaned = {n.split(".")[-1]: o["orphaned_versions"] for n, o in median["orphaned"].items()}
    print(f"orphaned versions moved aside per table: {orphaned}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="requests,rto")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    print("(a shared 2-core machine: times are indicative, request counts exact)")
    with tempfile.TemporaryDirectory(prefix="standby-bench-failback-") as tmp:
        if "requests" in only:
            bench_requests(Path(tmp), args.files, args.commits)
        if "rto" in only:
            bench_rto(Path(tmp), args.runs)


if __name__ == "__main__":
    main()
