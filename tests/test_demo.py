"""The demo runs start to finish, fast, and tells the story it promises."""

from __future__ import annotations

import time
from pathlib import Path

import deltalake
import pytest

from standby.cli import main


def test_demo_walks_through_history_restore_and_clone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert main(["demo", "--dir", str(tmp_path / "demo")]) == 0
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
    for name in ("sales/transactions", "sales/customers", "inventory/products"):
        primary = deltalake.DeltaTable(str(tmp_path / "demo/us-east-1/lake/production" / name))
        dr = deltalake.DeltaTable(str(tmp_path / "demo/us-west-2/lake/production" / name))
        assert primary.to_pyarrow_table().num_rows == dr.to_pyarrow_table().num_rows
        ops = {h["operation"] for h in primary.history()}
        assert ops & {"DELETE", "UPDATE", "WRITE"}, ops
