"""The demo runs start to finish, fast, tells the story it promises in order, prints one
summary document with --json, and leaves a standby.yml that works after it."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import deltalake
import pytest
import yaml

from standby.cli import main


def test_demo_walks_through_history_restore_and_clone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    root = tmp_path / "demo"
    assert main(["demo", "--dir", str(root)]) == 0
    assert time.monotonic() - started < 60
    out = capsys.readouterr().out
    for needle in (
        "DESCRIBE HISTORY",
        "RESTORE",
        "TIMESTAMP AS OF",
        "DEEP CLONE",
        "reads the same rows as the primary: True",
        "backup prune",
        "the restored table reads the same rows as production.sales.transactions: True",
    ):
        assert needle in out, needle
    # It ends with a basic and a full drill, their report and the runbook beside standby.yml.
    assert "drill --level basic" in out and "drill --level full --report" in out
    assert "FAIL" not in out[out.index("DR drills") :]
    report = (root / "drill-report.html").read_text()
    assert "full drill PASSED" in report and report.count('class="mark step') >= 10
    assert "## Scenarios" in (root / "RUNBOOK.md").read_text()
    for name in ("sales/transactions", "sales/customers", "inventory/products"):
        primary = deltalake.DeltaTable(str(root / "us-east-1/lake/production" / name))
        dr = deltalake.DeltaTable(str(root / "us-west-2/lake/production" / name))
        assert primary.to_pyarrow_table().num_rows == dr.to_pyarrow_table().num_rows
        ops = {h["operation"] for h in primary.history()}
        assert ops & {"DELETE", "UPDATE", "WRITE"}, ops

    # The restore story in the order an engineer lives it: the delete, then the history
    # that shows it (newest first), then the restore to the version just before it.
    deleted = out.index("the accidental delete left")
    shown = out.index("standby table history", deleted)
    (bad,) = re.findall(r"version (\d+) is the DELETE", out)
    restored = re.search(r"standby table restore \S+ --version (\d+)", out)
    assert restored is not None and deleted < shown < restored.start()
    assert int(restored[1]) == int(bad) - 1
    newest_row = re.search(r"│\s+(\d+)\s+│[^│]+│\s+(\w+)", out[shown:])
    assert newest_row is not None and newest_row.groups() == (bad, "DELETE")


def test_demo_json_is_one_summary_and_its_standby_yml_works_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "demo"
    assert main(["--json", "demo", "--dir", str(root)]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)  # exactly one document: the story went to stderr
    assert "DESCRIBE HISTORY" in captured.err
    assert summary["ok"] is True
    story = summary["restore"]
    assert story["restored_to"] == story["bad_version"] - 1
    assert story["rows_restored"] == story["rows_before"] > story["rows_after_delete"]
    assert [r["table"] for r in summary["replicas"]] == [
        "production.sales.transactions",
        "production.sales.customers",
        "production.inventory.products",
    ]
    assert all(r["replica_version"] == r["source_version"] for r in summary["replicas"])
    assert summary["backups"]["backups_made"] == 9 and summary["backups"]["restored_same_rows"]
    workspace = summary["workspace"]
    assert workspace["drift_before_sync"] > 0 and workspace["equal_after_sync"] is True
    assert workspace["changes_synced"] == workspace["objects_exported"]

    config = Path(summary["config"])
    assert config == root / "standby.yml"
    text = config.read_text()
    assert "http://" not in yaml.safe_dump(yaml.safe_load(text))  # no dead sandbox URL left
    assert "standby sandbox up --name primary --state" in text
    assert "works after the demo" in summary["config_note"]
    monkeypatch.chdir(tmp_path)
    for argv in (["status"], ["backup", "list"], ["config", "check"], ["replicate"]):
        assert main(["--config", str(config), *argv]) == 0, (argv, capsys.readouterr().err)
