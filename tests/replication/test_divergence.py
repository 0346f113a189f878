"""Acceptance 5: a commit written into the replica by anyone but replication makes the
next `replicate` stop with exit 5, naming the version; nothing of the replica changes."""

from __future__ import annotations

import threading
from pathlib import Path

import deltalake
import pytest

from standby.cli import main
from standby.replication import replicate_table
from standby.replication.follow import follow
from standby.replication.pair import Pair
from tests.replication._support import grow, rows, tree_bytes


@pytest.mark.parametrize("source_moved", [False, True], ids=["source-still", "source-moved"])
def test_a_foreign_commit_stops_replication_with_exit_5(
    source_moved: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    replicate_table(str(source), str(replica))
    deltalake.write_deltalake(str(replica), rows(900, 3), mode="append", partition_by=["part"])
    if source_moved:
        grow(str(source), 2, start=100)  # its own versions 3 and 4
    before = tree_bytes(replica)
    capsys.readouterr()

    code = main(["replicate", str(source), str(replica)])

    err = capsys.readouterr().err
    assert code == 5, err
    assert "version 3" in err and "diverged" in err
    assert ("differs" if source_moved else "does not exist on the source") in err
    assert "Traceback" not in err
    assert tree_bytes(replica) == before, "a diverged replica was written to"


def test_following_a_diverged_replica_exits_5_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    replicate_table(str(source), str(replica))
    deltalake.write_deltalake(str(replica), rows(900, 3), mode="append", partition_by=["part"])
    grow(str(source), 1, start=100)
    before = tree_bytes(replica)
    capsys.readouterr()

    code = main(["replicate", "--follow", "--interval", "0.1", str(source), str(replica)])

    err = capsys.readouterr().err
    assert code == 5, err
    assert "version 3" in err
    assert tree_bytes(replica) == before


def test_one_diverged_table_does_not_stop_the_others(tmp_path: Path) -> None:
    good, bad = (tmp_path / "good-src", tmp_path / "good"), (tmp_path / "bad-src", tmp_path / "bad")
    for src, dst in (good, bad):
        grow(str(src), 2)
        replicate_table(str(src), str(dst))
    deltalake.write_deltalake(str(bad[1]), rows(900, 3), mode="append", partition_by=["part"])
    grow(str(good[0]), 1, start=100)
    stop = threading.Event()
    passes: list[int | None] = []

    def on_pass(pair: Pair, result: object) -> None:
        passes.append(getattr(result, "to_version", None))
        if len(passes) >= 3:
            stop.set()

    with pytest.raises(Exception, match="1 of 2 table"):
        follow(
            [Pair(str(good[0]), str(good[1])), Pair(str(bad[0]), str(bad[1]))],
            interval=0.05,
            stop=stop,
            on_pass=on_pass,
        )
    assert deltalake.DeltaTable(str(good[1])).version() == 2
