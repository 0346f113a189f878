"""What a pass costs in storage requests: a follow poll with nothing new lists each log
once and does nothing else; a pass after one small commit costs what the commit costs,
the same on a table of 3,000 files and 300 commits as on one of 100 files
(bench/replication.py measures 10,000 and 1,000, and the time)."""

from __future__ import annotations

from pathlib import Path

from bench.replication import append_commit, make_history

from standby.replication import Replicator, replicate_table
from standby.storage import open_store
from tests.faults import CountingStore


def _pass_cost(src: Path, dst: Path, replicator: Replicator | None = None) -> dict[str, int]:
    source, target = CountingStore(open_store(str(src))), CountingStore(open_store(str(dst)))
    if replicator is None:
        replicator = Replicator(source, target)
    else:
        replicator.src, replicator.dst = source, target
        replicator.src_log.store, replicator.dst_log.store = source, target
    replicator.run()
    return {f"source {k}": v for k, v in source.calls.items()} | {
        f"replica {k}": v for k, v in target.calls.items()
    }


def test_a_quiet_follow_poll_lists_each_log_once(tmp_path: Path) -> None:
    make_history(tmp_path / "src", files=50, commits=25)
    follower = Replicator(open_store(str(tmp_path / "src")), open_store(str(tmp_path / "dst")))
    follower.run()
    assert _pass_cost(tmp_path / "src", tmp_path / "dst", follower) == {
        "source list": 1,
        "replica list": 1,
    }
    append_commit(tmp_path / "src", 25)
    busy = _pass_cost(tmp_path / "src", tmp_path / "dst", follower)
    assert busy["source list"] == busy["replica list"] == 1
    assert busy["replica put"] == 2  # the commit (its file is copied by the kernel) and state


def test_an_incremental_pass_costs_the_commit_not_the_table(tmp_path: Path) -> None:
    costs = []
    for name, files, commits in (("big", 3_000, 300), ("small", 100, 10)):  # bench: 10,000
        src, dst = tmp_path / f"{name}-src", tmp_path / f"{name}-dst"
        make_history(src, files=files, commits=commits)
        replicate_table(str(src), str(dst))
        append_commit(src, commits)
        costs.append(_pass_cost(src, dst))
    assert costs[0] == costs[1], costs
    assert sum(costs[0].values()) <= 12, costs[0]
