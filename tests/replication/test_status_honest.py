"""Issue 9, item 3: `status` never says ok when it is not. A diverged replica, a fenced
pair (control objects), a promoted replica are each "not ok" with the reason in its own
key (`problem`, with a sentence in `detail`), exit 1 (identity, ahead and a gone source are
in test_identity.py and test_source_gone.py). Config mode reports every table, marks the
ones it could not read (exit 3), and shows each table's Unity Catalog name and tier; the
follow metrics carry them as labels, exist from the start at 0, and lag is 0 when caught
up, as in status."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import deltalake
import pytest

from standby.cli import main
from standby.config import load_config
from standby.control import CONTROL_PATH
from standby.replication import replicate_table
from standby.replication.follow import Metrics, follow
from standby.replication.pair import Pair
from standby.replication.plan import configured_pairs
from standby.replication.state import mark_promoted
from standby.storage import open_store
from tests.replication._support import cli, grow, protected_tables, rows


def _status(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, _ = cli(capsys, "--json", "status", *args)
    tables: list[dict[str, Any]] = json.loads(out)["tables"]
    return code, tables


def _two_tables(tmp: Path) -> tuple[Path, Path, Path]:
    """standby.yml protecting two tables (tier1 by name, tier2 by location only)."""
    cfg, tables = protected_tables(
        tmp, [("sales/a", "prod.sales.a", "tier1"), ("sales/b", None, "tier2")]
    )
    return cfg, tables[0][1], tables[1][1]


def test_a_diverged_replica_is_not_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    replicate_table(str(source), str(replica))
    deltalake.write_deltalake(str(replica), rows(900, 3), mode="append", partition_by=["part"])
    code, (row,) = _status(capsys, str(source), str(replica))
    assert code == 1 and not row["ok"] and row["problem"] == "diverged"
    assert "version 3" in row["detail"]


def test_a_promoted_replica_is_not_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 2)
    replicate_table(str(source), str(replica))
    mark_promoted(open_store(str(replica)), version=1, epoch=2, operation_id="op-7")
    code, (row,) = _status(capsys, str(source), str(replica))
    assert code == 1 and row["problem"] == "promoted" and "op-7" in row["detail"]


@pytest.mark.parametrize("role", ["fenced", "primary"])
def test_a_fenced_pair_is_not_ok(
    role: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, _, _ = _two_tables(tmp_path)
    assert main(["--config", str(cfg), "replicate"]) == 0
    assert _status(capsys, "--config", str(cfg))[0] == 0
    side = "p" if role == "fenced" else "d"  # the primary fenced, or the replica promoted
    control = tmp_path / side / "lake" / CONTROL_PATH
    doc = json.loads(control.read_text())
    control.write_text(json.dumps({**doc, "role": role, "epoch": 2}))
    code, table_rows = _status(capsys, "--config", str(cfg))
    assert code == 1 and len(table_rows) == 2
    assert all(r["problem"] == "fenced" and not r["ok"] for r in table_rows)
    assert "epoch 2" in table_rows[0]["detail"]


def test_config_mode_reports_every_table_and_marks_the_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, first, _second = _two_tables(tmp_path)
    assert main(["--config", str(cfg), "replicate"]) == 0
    code, table_rows = _status(capsys, "--config", str(cfg))
    assert code == 0
    assert [(r["table"], r["tier"]) for r in table_rows] == [
        ("prod.sales.a", "tier1"),
        (None, "tier2"),
    ]
    assert all(r["ok"] and r["problem"] is None for r in table_rows)

    (first / "_standby" / "replica.json").write_text("{not json")
    code, table_rows = _status(capsys, "--config", str(cfg))
    assert code == 3, table_rows
    broken, fine = table_rows
    assert (
        broken["problem"] == "unreadable"
        and not broken["ok"]
        and "replica.json" in broken["detail"]
    )
    assert fine["ok"] and fine["replica_version"] == 0

    code, shown, _ = cli(capsys, "--config", str(cfg), "status")
    assert code == 3
    assert "prod.sales.a" in shown and "tier1" in shown and "unreadable" in shown


def test_metrics_are_labelled_exist_from_the_start_and_lag_0_when_caught_up(
    tmp_path: Path,
) -> None:
    cfg, _, _ = _two_tables(tmp_path)
    planned = configured_pairs(load_config(cfg))
    metrics = Metrics(planned.pairs)
    labels = [{"table": p.name or p.target, "tier": p.tier or ""} for p in planned.pairs]
    assert labels[0] == {"table": "prod.sales.a", "tier": "tier1"}
    assert labels[1]["tier"] == "tier2"
    names = [
        *("source_version", "replica_version", "lag_versions", "lag_seconds"),
        *("bytes_copied_total", "files_copied_total", "errors_total"),
        "last_success_timestamp_seconds",
    ]
    for label in labels:
        for name in names:
            assert metrics.registry.get_sample_value(f"standby_{name}", label) == 0, name

    passes: list[Pair] = []
    stop = threading.Event()

    def on_pass(pair: Pair, result: object) -> None:
        passes.append(pair)
        if len(passes) == 4:
            stop.set()

    follow(planned.pairs, interval=0.01, stop=stop, on_pass=on_pass, metrics=metrics)
    for label in labels:
        assert metrics.registry.get_sample_value("standby_lag_seconds", label) == 0
        assert metrics.registry.get_sample_value("standby_replica_version", label) == 0
        assert (metrics.registry.get_sample_value("standby_files_copied_total", label) or 0) >= 1
