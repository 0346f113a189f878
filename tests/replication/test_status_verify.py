"""Acceptance 8: `standby status` and `verify` exit 0 on a healthy replica and 1 where the
RPO target is missed or a problem is found; lag comes from the commits' own timestamps."""

from __future__ import annotations

import json
import time
from pathlib import Path

import deltalake
import pytest

from standby.cli import main
from standby.delta import DeltaLog
from standby.replication import replicate_table
from standby.storage import open_store
from tests.replication._support import grow, protected_config
from tests.tables.builders import batch


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["--json", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, json.loads(out.out)


def test_healthy_replica_then_an_rpo_miss_then_healthy_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    grow(src, 4)
    replicate_table(src, dst)

    code, doc = _run(capsys, "status", "--rpo", "1s", src, dst)
    (row,) = doc["tables"]
    assert code == 0
    assert (row["source_version"], row["replica_version"], row["lag_versions"]) == (3, 3, 0)
    assert row["lag_seconds"] == 0 and row["ok"] and row["rpo_target_seconds"] == 1
    assert _run(capsys, "verify", dst)[0] == 0
    assert _run(capsys, "verify", "--against", src, dst)[0] == 0

    # Two commits not replicated, the first written 5 s ago by the log's own clock.
    five_ago = int(time.time() * 1000) - 5000
    DeltaLog(open_store(src)).write_commit(4, [{"commitInfo": {"timestamp": five_ago}}])
    grow(src, 1, start=100)
    code, doc = _run(capsys, "status", "--rpo", "1s", src, dst)
    (row,) = doc["tables"]
    assert code == 1
    assert (row["source_version"], row["replica_version"], row["lag_versions"]) == (5, 3, 2)
    assert row["lag_seconds"] >= 5 and not row["ok"]
    code, doc = _run(capsys, "status", "--rpo", "1h", src, dst)
    assert code == 0 and doc["tables"][0]["ok"]  # behind, within its target
    # verify checks the replica as it stands: behind is not broken
    assert _run(capsys, "verify", dst)[0] == 0

    replicate_table(src, dst)
    code, doc = _run(capsys, "status", "--rpo", "1s", src, dst)
    assert code == 0 and doc["tables"][0]["lag_versions"] == 0


def test_status_of_a_replica_never_made_is_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = str(tmp_path / "src")
    grow(src, 1)
    code, doc = _run(capsys, "status", src, str(tmp_path / "nothing"))
    assert code == 1
    assert doc["tables"][0]["replica_version"] is None and not doc["tables"][0]["ok"]


def test_verify_of_no_table_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "nothing")]) == 2
    assert "not a Delta table" in capsys.readouterr().err


def test_config_mode_status_uses_each_tiers_rpo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, source, replica = protected_config(tmp_path)
    assert main(["--config", str(cfg), "replicate"]) == 0
    code, doc = _run(capsys, "--config", str(cfg), "status")
    (row,) = doc["tables"]
    assert code == 0 and row["rpo_target_seconds"] == 15 * 60 and row["ok"]
    # a commit 20 minutes old by its own timestamp, not yet replicated, misses tier1's 15 min
    deltalake.write_deltalake(str(source), batch(5, 5), mode="append")
    commit = source / "_delta_log" / f"{1:020d}.json"
    info = json.loads(commit.read_text().splitlines()[0])
    assert "commitInfo" in info
    info["commitInfo"]["timestamp"] = int(time.time() * 1000) - 20 * 60 * 1000
    rest = commit.read_text().splitlines()[1:]
    commit.write_text("\n".join([json.dumps(info), *rest]) + "\n")
    code, doc = _run(capsys, "--config", str(cfg), "status")
    (row,) = doc["tables"]
    assert code == 1 and 1190 < row["lag_seconds"] < 1300 and not row["ok"]
    assert deltalake.DeltaTable(str(replica)).version() == 0
