"""Issue 9, item 1 (invariant 13): a replica belongs to one source table. Replicating into
it from another table, or from a table recreated at the source's path (a new table id, as
many versions as the replica or fewer or more), is refused with exit 5 before anything is
written, naming both ids; `status` and `verify` report the mismatch; a replica ahead of its
source is reported too."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import deltalake
import pytest

from standby.errors import WrongSource
from standby.replication import read_state, replicate_table
from standby.replication.follow import follow
from standby.replication.pair import Pair
from standby.storage import open_store
from tests.replication._support import cli, grow, tree_bytes


def _table_id(uri: Path) -> str:
    return str(deltalake.DeltaTable(str(uri)).metadata().id)


def _recreate(source: Path, commits: int) -> None:
    shutil.rmtree(source)
    grow(str(source), commits, start=5_000)


def test_the_state_records_the_source_and_its_table_id(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    replicate_table(str(source), str(replica))
    state = read_state(open_store(str(replica)))
    assert state is not None
    assert state.source == open_store(str(source)).url
    assert state.source_table_id == _table_id(source)


def test_another_source_is_refused_with_exit_5_naming_both_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, other, replica = tmp_path / "src", tmp_path / "other", tmp_path / "dst"
    grow(str(source), 3)
    grow(str(other), 6, start=1_000)
    replicate_table(str(source), str(replica))
    before = tree_bytes(replica)

    code, _, err = cli(capsys, "replicate", str(other), str(replica))

    assert code == 5, err
    assert _table_id(source) in err and _table_id(other) in err
    assert tree_bytes(replica) == before, "a replica of another table was written to"
    assert deltalake.DeltaTable(str(replica)).version() == 2


@pytest.mark.parametrize("commits", [2, 3, 6], ids=["fewer", "same", "more"])
def test_a_source_recreated_at_the_same_path_is_refused(
    commits: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    replicate_table(str(source), str(replica))
    old_id = _table_id(source)
    _recreate(source, commits)
    before = tree_bytes(replica)

    code, _, err = cli(capsys, "replicate", str(source), str(replica))

    assert code == 5, err
    assert old_id in err and _table_id(source) in err and "recreated" in err
    assert tree_bytes(replica) == before
    with pytest.raises(WrongSource):
        replicate_table(str(source), str(replica))


def test_a_recreated_source_stops_a_follower_before_it_writes(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    stop = threading.Event()
    passes: list[int] = []

    def on_pass(pair: Pair, result: object) -> None:
        passes.append(1)
        if len(passes) == 2:  # the source is deleted and written anew between two polls
            _recreate(source, 5)

    with pytest.raises(WrongSource, match="recreated"):
        follow([Pair(str(source), str(replica))], interval=0.01, stop=stop, on_pass=on_pass)
    assert deltalake.DeltaTable(str(replica)).version() == 2
    assert len(passes) == 2


def test_status_and_verify_report_a_recreated_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    replicate_table(str(source), str(replica))
    old_id = _table_id(source)
    _recreate(source, 4)

    code, out, _ = cli(capsys, "--json", "status", str(source), str(replica))
    (row,) = json.loads(out)["tables"]
    assert code == 1 and not row["ok"] and row["problem"] == "identity"
    assert old_id in row["detail"] and _table_id(source) in row["detail"]

    code, out, _ = cli(capsys, "--json", "verify", str(replica))
    doc = json.loads(out)
    assert code == 1 and not doc["ok"]
    assert [p["kind"] for p in doc["problems"]] == ["identity"]


def test_status_of_another_source_is_an_identity_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, other, replica = tmp_path / "src", tmp_path / "other", tmp_path / "dst"
    grow(str(source), 3)
    grow(str(other), 3, start=1_000)
    replicate_table(str(source), str(replica))
    code, out, _ = cli(capsys, "--json", "status", str(other), str(replica))
    (row,) = json.loads(out)["tables"]
    assert code == 1 and row["problem"] == "identity" and _table_id(other) in row["detail"]


def test_a_replica_ahead_of_its_source_is_reported_and_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 5, checkpoint_every=100)
    replicate_table(str(source), str(replica))
    for v in (3, 4):  # the source's log is cut back to version 2: the same table, behind
        (source / "_delta_log" / f"{v:020d}.json").unlink()

    code, out, _ = cli(capsys, "--json", "status", str(source), str(replica))
    (row,) = json.loads(out)["tables"]
    assert code == 1 and row["problem"] == "ahead" and not row["ok"]
    assert (row["source_version"], row["replica_version"]) == (2, 4)
    code, _, err = cli(capsys, "replicate", str(source), str(replica))
    assert code == 5 and "ahead" in err
    assert cli(capsys, "verify", str(replica))[0] == 1


def test_a_replica_state_without_the_new_fields_still_reads(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 2)
    replicate_table(str(source), str(replica))
    path = replica / "_standby" / "replica.json"
    doc = json.loads(path.read_text())
    old = {k: doc[k] for k in ("source", "source_table_id", "complete_from", "last_version")}
    path.write_text(json.dumps({**old, "last_commit_timestamp": None, "epoch": 0}))
    grow(str(source), 1, start=100)
    assert replicate_table(str(source), str(replica)).to_version == 2
    _recreate(source, 4)
    with pytest.raises(WrongSource):  # no digest recorded: the replica's commit is read
        replicate_table(str(source), str(replica))
