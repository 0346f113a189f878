"""The demo runs start to finish, fast, and tells the story it promises."""

from __future__ import annotations

import json
import time
from pathlib import Path

import deltalake
import pytest

from standby.cli import main


def test_demo_walks_through_history_restore_and_clone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert main(["--json", "demo", "--dir", str(tmp_path / "demo")]) == 0
    assert time.monotonic() - started < 60
    captured = capsys.readouterr()
    out = captured.err  # with --json the story goes to stderr, its outline to stdout
    summary = json.loads(captured.out)
    assert summary["dir"] == str(tmp_path / "demo")
    titles = [s["title"] for s in summary["sections"]]
    assert any("DESCRIBE HISTORY" in t for t in titles), titles
    commands = [c for s in summary["sections"] for c in s["commands"]]
    assert any(c.startswith("standby table restore") for c in commands), commands
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
    for name in ("sales/transactions", "sales/customers", "inventory/products"):
        primary = deltalake.DeltaTable(str(tmp_path / "demo/us-east-1/lake/production" / name))
        dr = deltalake.DeltaTable(str(tmp_path / "demo/us-west-2/lake/production" / name))
        assert primary.to_pyarrow_table().num_rows == dr.to_pyarrow_table().num_rows
        ops = {h["operation"] for h in primary.history()}
        assert ops & {"DELETE", "UPDATE", "WRITE"}, ops
