"""Acceptance 4 and 5 of the failover issue: refusals exit 5 with one clear message and
change nothing anywhere; a dry run changes nothing and prints the steps the real run runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from standby.cli import main
from standby.control import CONTROL_PATH, Control
from standby.failover.service import FailoverRequest, failover
from standby.operations.clock import SystemClock
from standby.operations.journal import Journal
from standby.operations.lease import Lease
from standby.storage import open_store
from tests.failover.lakehouse import TABLES, TwoRegions


def _listing(root: str) -> dict[str, int]:
    out = {}
    for parent, _, names in os.walk(root):
        for name in names:
            path = os.path.join(parent, name)
            out[os.path.relpath(path, root)] = os.path.getsize(path)
    return out


def fingerprint(lake: TwoRegions) -> dict[str, Any]:
    """Everything a failover could change: both lakes, both workspaces, the DNS record."""
    workspaces = {}
    for site, sb in (("primary", lake.primary), ("dr", lake.dr)):
        w = sb.client()
        workspaces[site] = {
            "jobs": sorted(json.dumps(j.as_dict(), sort_keys=True) for j in w.jobs.list()),
            "tables": sorted(
                f"{t.full_name}={t.storage_location}"
                for c in ("production",)
                for s in w.schemas.list(c)
                for t in w.tables.list(c, str(s.name))
            )
            if any(c.name == "production" for c in w.catalogs.list())
            else [],
        }
    return {
        "primary": _listing(lake.primary_lake.uri),
        "dr": _listing(lake.dr_lake.uri),
        "workspaces": workspaces,
        "dns": lake.record_target(),
    }


def _run(lake: TwoRegions, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--config", str(lake.config_path), *args])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def _refused(lake: TwoRegions, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    before = fingerprint(lake)
    code, output = _run(lake, "failover", "--planned", "--yes", *args, capsys=capsys)
    assert code == 5, output
    assert fingerprint(lake) == before, "a refused failover changed something"
    assert "Traceback" not in output
    return output


def test_drift_is_refused_unless_config_is_synced(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    w = lakehouse.primary.client()
    w.cluster_policies.create(name="added-after-the-sync", definition="{}")
    output = _refused(lakehouse, capsys)
    assert "added-after-the-sync" in output and "--sync-config" in output


def test_a_replica_that_is_not_whole_is_refused(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    replica = Path(lakehouse.uri(TABLES[1], "dr"))
    victim = next(p for p in replica.rglob("*.parquet") if "_delta_log" not in p.parts)
    victim.unlink()
    output = _refused(lakehouse, capsys)
    assert TABLES[1] in output


def test_control_objects_at_different_epochs_are_refused(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(lakehouse.dr_lake.uri)
    control = Control("dr", "replica", 7, 0)
    store.put(CONTROL_PATH, control.to_json())
    output = _refused(lakehouse, capsys)
    assert "epochs differ" in output


def test_a_site_that_is_already_primary_is_refused(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = failover(lakehouse.config, FailoverRequest(mode="planned"))
    assert isinstance(journal, Journal)
    output = _refused(lakehouse, capsys)
    assert "dr root lake is primary" in output


def test_a_held_lease_is_refused(lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]) -> None:
    Lease(open_store(lakehouse.dr_lake.uri), operation_id="drill-x", clock=SystemClock()).acquire()
    output = _refused(lakehouse, capsys)
    assert "drill-x" in output


def test_dry_run_changes_nothing_and_plans_the_steps_that_run(
    lakehouse_on: Callable[..., TwoRegions], capsys: pytest.CaptureFixture[str]
) -> None:
    lake = lakehouse_on("local")
    lake.append(TABLES[0], 9_000)  # something for the catch-up to plan
    before = fingerprint(lake)
    code, output = _run(lake, "--json", "failover", "--planned", "--dry-run", capsys=capsys)
    assert code == 0, output
    assert fingerprint(lake) == before
    plan = json.loads(output[output.index("{") :])
    assert plan["dry_run"] is True
    lines = "\n".join(line for step in plan["steps"] for line in step["plan"])
    assert "pause job etl_pipeline" in lines
    assert f"replicate {TABLES[0]}" in lines
    assert "databricks.company.test -> dr-workspace.company.test" in lines

    journal = failover(lake.config, FailoverRequest(mode="planned"))
    assert isinstance(journal, Journal)
    assert [s["name"] for s in plan["steps"]] == [s.name for s in journal.steps]
