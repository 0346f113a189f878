"""Follow at scale: one process follows N tables, each polled at its tier's interval, with
a bounded pool; the list requests it sends (counted by a request-counting store wrapper)
against what the intervals say, and the tier1 lag.

    python -m bench.follow_scale [--tier1 100] [--tier2 100] [--seconds 60] [--parallel 8]

Real clock, local tables, a writer committing to a tenth of the tier1 tables every half
second. tests/replication/test_follow_scale.py runs the same scenario on a virtual clock
(the schedule without the machine), so the suite does not spend a minute on it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults import CountingStore

from bench.table_ops import make_table
from standby.replication import Replicator, TableReplication, replicate_table
from standby.replication.follow import follow
from standby.replication.pair import Pair
from standby.replication.schedule import PollClock, RealClock
from standby.storage import ObjectStore, open_store

TIERS = {"tier1": 1.0, "tier2": 60.0}
WRITE_EVERY = 0.5  # seconds between the writer's rounds


@dataclass(frozen=True)
class CountedPair(Pair):
    """A pair whose stores count their requests, in `counters` keyed by the pair."""

    tier: str = "tier1"
    counters: dict[tuple[str, str], list[CountingStore]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def stores(self) -> tuple[ObjectStore, ObjectStore]:
        src, dst = CountingStore(open_store(self.source)), CountingStore(open_store(self.target))
        self.counters[(self.source, self.target)] = [src, dst]
        return src, dst

    def lists(self) -> int:
        return sum(s.calls["list"] for s in self.counters.get((self.source, self.target), []))


def commit(table: Path, version: int, ts_ms: int) -> None:
    """A one-file append, written as a writer does: the file, then the commit (atomically)."""
    name = f"part-w{version:06d}.parquet"
    (table / name).write_bytes(os.urandom(100))
    add = {"path": name, "size": 100, "partitionValues": {}, "modificationTime": 0}
    actions = [
        {"commitInfo": {"timestamp": ts_ms, "operation": "WRITE"}},
        {"add": {**add, "dataChange": True}},
    ]
    tmp = table / "_delta_log" / f".{version}.tmp"
    tmp.write_text("\n".join(json.dumps(a) for a in actions) + "\n")
    os.replace(tmp, table / "_delta_log" / f"{version:020d}.json")


@dataclass
class Scenario:
    pairs: list[CountedPair]
    tables: dict[CountedPair, Path]
    versions: dict[CountedPair, int] = field(default_factory=dict)
    committed: dict[tuple[CountedPair, int], float] = field(default_factory=dict)
    lags: list[float] = field(default_factory=list)
    next_write: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, now: float, ts_ms: int) -> None:
        """The writer's rounds due by `now`: each commits to the next tenth of tier1."""
        tier1 = [p for p in self.pairs if p.tier == "tier1"]
        while self.next_write <= now:
            round_no = int(self.next_write / WRITE_EVERY)
            share = max(1, len(tier1) // 10)
            for p in tier1[(round_no * share) % len(tier1) :][:share]:
                with self.lock:
                    version = self.versions[p] = self.versions.get(p, 0) + 1
                    self.committed[(p, version)] = now
                commit(self.tables[p], version, ts_ms)
            self.next_write += WRITE_EVERY

    def passed(self, pair: Pair, result: TableReplication, now: float) -> None:
        if not result.commits_published or result.from_version is None:
            return
        with self.lock:
            for v in range(result.from_version, (result.to_version or 0) + 1):
                self.lags.append(now - self.committed[(pair, v)])  # type: ignore[index]


def build(root: Path, tier1: int, tier2: int) -> Scenario:
    """`tier1 + tier2` one-file tables, each with a replica already seeded."""
    counters: dict[tuple[str, str], list[CountingStore]] = {}
    pairs, tables = [], {}
    for i in range(tier1 + tier2):
        src, dst = root / "src" / f"t{i:04d}", root / "dst" / f"t{i:04d}"
        make_table(src, total_bytes=100, files=1)
        replicate_table(str(src), str(dst))
        tier = "tier1" if i < tier1 else "tier2"
        pair = CountedPair(str(src), str(dst), tier=tier, counters=counters)
        pairs.append(pair)
        tables[pair] = src
    return Scenario(pairs, tables)


@dataclass
class Outcome:
    lists: dict[str, int]
    expected: dict[str, int]
    lag_p50: float
    lag_p99: float
    commits: int


def run(
    scenario: Scenario,
    *,
    seconds: float,
    clock: PollClock,
    parallel: int,
    wall_ms: Callable[[], int],
) -> Outcome:
    """Follow every pair for `seconds` of `clock`'s time, the writer writing meanwhile.

    On the real clock a timer stops the run and a thread writes; a virtual clock does both
    itself, as its time moves (see the test).
    """
    stop = threading.Event()
    started = clock.now()

    def writer() -> None:
        while not stop.wait(WRITE_EVERY / 5):
            scenario.write(clock.now() - started, wall_ms())

    if isinstance(clock, RealClock):
        threading.Timer(seconds, stop.set).start()
        threading.Thread(target=writer, daemon=True).start()
    follow(
        scenario.pairs,
        stop=stop,
        parallel=parallel,
        polls={p: TIERS[p.tier] for p in scenario.pairs},
        on_pass=lambda p, r: scenario.passed(p, r, clock.now() - started),
        poll_clock=clock,
    )
    stop.set()
    lists = {t: sum(p.lists() for p in scenario.pairs if p.tier == t) for t in TIERS}
    expected = {
        t: 2 * -int(-seconds // every) * sum(p.tier == t for p in scenario.pairs)
        for t, every in TIERS.items()
    }
    lags = sorted(scenario.lags) or [0.0]
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
    return Outcome(lists, expected, statistics.median(lags), p99, len(scenario.lags))


def quiet_pass_ms(scenario: Scenario, passes: int = 2000) -> float:
    """Milliseconds of one quiet pass (nothing new), one thread, over the scenario's tables."""
    replicators = [Replicator(open_store(p.source), open_store(p.target)) for p in scenario.pairs]
    for r in replicators:
        r.run()  # past the first pass, which reads the replica's state
    started = time.perf_counter()
    for i in range(passes):
        replicators[i % len(replicators)].run()
    return (time.perf_counter() - started) / passes * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tier1", type=int, default=100)
    parser.add_argument("--tier2", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="standby-bench-follow-") as work:
        scenario = build(Path(work), args.tier1, args.tier2)
        took = time.perf_counter()
        out = run(
            scenario,
            seconds=args.seconds,
            clock=RealClock(),
            parallel=args.parallel,
            wall_ms=lambda: int(time.time() * 1000),
        )
        took = time.perf_counter() - took
        per_pass = quiet_pass_ms(scenario)
    label = (
        f"follow {args.tier1} tier1 (1 s) + {args.tier2} tier2 (60 s) tables, {args.seconds:g} s"
    )
    rows = [
        (
            f"{label}: LIST requests, {t}",
            str(out.lists[t]),
            f"intervals say {out.expected[t]} ({out.lists[t] / out.expected[t]:.2f}x)",
        )
        for t in TIERS
    ]
    rows.append(
        (
            f"{label}: tier1 lag, {out.commits} commits",
            f"p50 {out.lag_p50:.2f} s, p99 {out.lag_p99:.2f} s",
            f"target p99 < 3 s; ran {took:.1f} s",
        )
    )
    rows.append(
        (
            "one quiet follow pass, local table, one thread",
            f"{per_pass:.2f} ms",
            f"one process: at most ~{1000 / per_pass:.0f} passes/s (the GIL holds it to a core)",
        )
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark (machine shared with other work)':<{width}}  {'standby':>10}  baseline")
    for name, ours, base in rows:
        print(f"{name:<{width}}  {ours:>10}  {base}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
