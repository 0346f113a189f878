"""What a replica's state records for failover (issue 11): what the follow loop last saw on
the source (version, that commit's timestamp from the log, the wall clock of the poll),
written with the state, also when a pass fails, and refreshed on quiet polls only every
SEEN_REFRESH_SECONDS (a quiet poll stays two listings); and a promotion, after which
`replicate` into the replica is refused (exit 5) and `--follow` stops for that table."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import deltalake
import pytest

from standby.delta import DeltaLog
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import Partial, Refused, Unreachable
from standby.replication import Replicator, read_state, replicate_table
from standby.replication.follow import Metrics, follow
from standby.replication.pair import Pair
from standby.replication.state import Promotion, mark_promoted, write_state
from standby.replication.watch import SEEN_REFRESH_SECONDS
from standby.storage import open_store
from standby.storage.base import PutMode
from tests.faults import CountingStore, StoreWrapper
from tests.replication._support import cli, grow


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _commit_ms(source: Path, version: int) -> int | None:
    return timestamp_of(commit_info_of(DeltaLog(open_store(str(source))).read_raw(version) or b""))


def _state_doc(replica: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((replica / "_standby" / "replica.json").read_text())
    return doc


def test_a_pass_records_what_it_saw_on_the_source(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 4)
    clock = Clock()
    Replicator(open_store(str(source)), open_store(str(replica)), clock=clock).run()
    doc = _state_doc(replica)
    assert doc["source_seen_version"] == 3 == doc["last_version"]
    assert doc["source_seen_commit_ms"] == _commit_ms(source, 3) is not None
    assert doc["source_seen_at_ms"] == int(clock.now * 1000)
    assert doc["promoted"] is None


class FailingCommits(StoreWrapper):
    """Publishing a commit fails (the network went); everything else works."""

    def put(self, path: str, data: bytes | Iterable[bytes], *, mode: PutMode = "overwrite") -> None:
        if path.startswith("_delta_log/") and path.endswith(".json"):
            raise Unreachable(f"injected: put {path}")
        super().put(path, data, mode=mode)


def test_a_failed_pass_still_records_the_version_it_saw(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    replicate_table(str(source), str(replica))
    grow(str(source), 2, start=100)
    failing = Replicator(open_store(str(source)), FailingCommits(open_store(str(replica))))
    with pytest.raises(Unreachable):
        failing.run()
    state = read_state(open_store(str(replica)))
    assert state is not None
    assert (state.last_version, state.source_seen_version) == (2, 4)
    assert state.source_seen_commit_ms == _commit_ms(source, 4)


def test_quiet_polls_write_the_state_only_every_refresh_interval(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    clock = Clock()
    follower = Replicator(open_store(str(source)), open_store(str(replica)), clock=clock)
    follower.run()
    first = _state_doc(replica)["source_seen_at_ms"]

    def poll() -> dict[str, int]:
        src, dst = CountingStore(open_store(str(source))), CountingStore(open_store(str(replica)))
        follower.src = follower.src_log.store = src
        follower.dst = follower.dst_log.store = dst
        follower.run()
        return {f"source {k}": v for k, v in src.calls.items()} | {
            f"replica {k}": v for k, v in dst.calls.items()
        }

    clock.now += SEEN_REFRESH_SECONDS / 2
    assert poll() == {"source list": 1, "replica list": 1}
    assert _state_doc(replica)["source_seen_at_ms"] == first
    clock.now += SEEN_REFRESH_SECONDS
    # the state is read for a promotion before the pass and again right before the write
    assert poll() == {"source list": 1, "replica list": 1, "replica get": 2, "replica put": 1}
    assert _state_doc(replica)["source_seen_at_ms"] == int(clock.now * 1000)


def test_mark_promoted_is_idempotent(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 2)
    replicate_table(str(source), str(replica))
    store = open_store(str(replica))
    state = mark_promoted(store, version=1, epoch=3, operation_id="op-1")
    raw = (replica / "_standby" / "replica.json").read_bytes()
    again = mark_promoted(store, version=1, epoch=3, operation_id="op-1")
    assert again.promoted == state.promoted and isinstance(state.promoted, Promotion)
    assert (replica / "_standby" / "replica.json").read_bytes() == raw
    assert (state.promoted.version, state.promoted.epoch) == (1, 3)
    with pytest.raises(Refused, match="op-1"):
        mark_promoted(store, version=1, epoch=4, operation_id="op-2")
    assert (replica / "_standby" / "replica.json").read_bytes() == raw


def test_replicating_into_a_promoted_replica_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 2)
    replicate_table(str(source), str(replica))
    mark_promoted(open_store(str(replica)), version=1, epoch=2, operation_id="op-9")
    grow(str(source), 1, start=100)  # a late write on the deposed primary
    code, _, err = cli(capsys, "replicate", str(source), str(replica))
    assert code == 5 and "promoted by operation op-9 at epoch 2" in err, err
    assert deltalake.DeltaTable(str(replica)).version() == 1


def test_a_follower_stops_for_a_table_promoted_under_it(tmp_path: Path) -> None:
    pairs = []
    for name in ("a", "b"):
        grow(str(tmp_path / f"src-{name}"), 2)
        pairs.append(Pair(str(tmp_path / f"src-{name}"), str(tmp_path / f"dst-{name}")))
    stop = threading.Event()
    passes: list[str] = []
    metrics = Metrics(pairs)
    errors_a = {"table": pairs[0].labels()[0], "tier": pairs[0].labels()[1]}

    def on_pass(pair: Pair, result: object) -> None:
        passes.append(pair.source)
        if len(passes) == 4:  # both replicas made and polled again: fail over table a
            mark_promoted(open_store(pairs[0].target), version=1, epoch=2, operation_id="op-3")
            grow(pairs[0].source, 1, start=100)
            grow(pairs[1].source, 1, start=100)
        # Each table has its own poll schedule: stop once a was refused, b polled on.
        refused_a = metrics.registry.get_sample_value("standby_errors_total", errors_a)
        if passes.count(pairs[1].source) >= 5 and refused_a:
            stop.set()

    with pytest.raises(Partial, match="1 of 2"):
        follow(pairs, interval=0.01, stop=stop, on_pass=on_pass, metrics=metrics)
    assert deltalake.DeltaTable(pairs[0].target).version() == 1  # refused before writing
    assert deltalake.DeltaTable(pairs[1].target).version() == 2
    promoted = read_state(open_store(pairs[0].target))
    assert promoted is not None and promoted.promoted is not None


def test_a_promotion_is_kept_by_the_follower_that_writes_the_state(tmp_path: Path) -> None:
    """A follower holding the state in memory re-reads it before a pass that writes, so
    its next state write cannot drop the promotion."""
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 2)
    follower = Replicator(open_store(str(source)), open_store(str(replica)))
    follower.run()
    mark_promoted(open_store(str(replica)), version=1, epoch=2, operation_id="op-5")
    grow(str(source), 1, start=100)
    with pytest.raises(Refused, match="op-5"):
        follower.run()
    assert _state_doc(replica)["promoted"]["operation_id"] == "op-5"


def test_a_state_write_keeps_a_promotion_made_during_the_pass(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 2)
    replicate_table(str(source), str(replica))
    store = open_store(str(replica))
    held = read_state(store)  # a follower's state, read before the promotion
    assert held is not None
    mark_promoted(store, version=1, epoch=2, operation_id="op-6")
    write_state(store, held)  # the follower's pass ends and writes what it holds
    after = read_state(store)
    assert after is not None and after.promoted is not None
    assert after.promoted.operation_id == "op-6"
