"""Acceptance 4 of the drills issue: three drills in a row are in `drill history` and in
the third's report, whose trend is computed from the three measured values; and `standby
status` says per level when the last drill ran, how it ended, and when the next is due."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from standby.operations.clock import SystemClock
from standby.operations.lease import Lease
from standby.storage import open_store
from tests.drill.conftest import DrillLake
from tests.failover.lakehouse import TABLES

DAY_MS = 86_400_000


def test_three_drills_make_a_history_and_a_trend(
    drill_lake: DrillLake, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reports = []
    for i in range(3):
        if i:  # the replicas fall further behind: each drill measures a larger RPO
            drill_lake.lake.append(TABLES[2], 60_000 + i)
            time.sleep(0.4)
        report_file = tmp_path / f"drill-{i}.md"
        code, report = drill_lake.drill(
            "--level", "basic", "--report", str(report_file), capsys=capsys
        )
        assert code == 0, report  # tier2 allows 4 h
        reports.append(report)
    rpos = [r["rpo_seconds"] for r in reports]
    assert rpos[0] == 0.0 < rpos[1] < rpos[2]
    products = [next(t for t in r["tables"] if t["name"] == TABLES[2]) for r in reports]
    assert [t["rpo_seconds"] for t in products] == rpos

    code, out, _ = drill_lake.cli("--json", "drill", "history", "--level", "basic", capsys=capsys)
    assert code == 0
    history = json.loads(out)["drills"]
    assert [h["drill_id"] for h in history] == [r["drill_id"] for r in reports]
    trend = history[-1]["trend"]
    assert [d["rpo_seconds"] for d in trend["drills"]] == rpos
    assert trend["rpo"]["mean_previous"] == round((rpos[0] + rpos[1]) / 2, 3)
    assert trend["rpo"]["change"] == round(rpos[2] - (rpos[0] + rpos[1]) / 2, 3)
    assert trend["rpo"]["direction"] == "worse"
    assert trend["rto"]["direction"] == "not measured"
    assert reports[-1]["trend"] == trend  # the report the drill printed says the same
    third = (tmp_path / "drill-2.md").read_text()
    assert all(f"`{r['drill_id']}`" in third for r in reports)

    code, out, _ = drill_lake.cli("--json", "drill", "history", "--level", "full", capsys=capsys)
    assert code == 0 and json.loads(out)["drills"] == []
    code, out, _ = drill_lake.cli("--json", "operations", "list", "--kind", "drill", capsys=capsys)
    assert [o["operation_id"] for o in json.loads(out)] == [r["drill_id"] for r in reports]
    code, out, err = drill_lake.cli("operations", "show", reports[0]["drill_id"], capsys=capsys)
    assert code == 0 and "basic drill" in out and "PASSED" in out, err


def test_status_says_when_each_level_is_due(
    drill_lake: DrillLake, capsys: pytest.CaptureFixture[str]
) -> None:
    drill_lake.edit(lambda d: d["drills"].update(frequency={"basic": "daily"}))
    code, report = drill_lake.drill("--level", "intermediate", capsys=capsys)
    assert code == 0, report
    code, out, err = drill_lake.cli("--json", "status", capsys=capsys)
    assert code == 0, err
    lines = {d["level"]: d for d in json.loads(out)["drills"]}
    for level in ("basic", "intermediate"):  # an intermediate drill runs the basic checks
        assert lines[level]["last_drill"] == report["drill_id"] and lines[level]["ok"] is True
        assert lines[level]["overdue"] is False
    assert lines["basic"]["frequency"] == "daily"
    assert lines["basic"]["due_ms"] == lines["basic"]["last_ms"] + DAY_MS
    assert lines["intermediate"]["due_ms"] == lines["intermediate"]["last_ms"] + 31 * DAY_MS
    assert lines["full"] == {**lines["full"], "last_drill": None, "overdue": True}
    code, out, _ = drill_lake.cli("status", capsys=capsys)
    assert "OVERDUE" in out and "never" in out and "daily" in out

    store = open_store(drill_lake.lake.dr_lake.uri)
    Lease(store, operation_id="failover-held", clock=SystemClock()).acquire()
    before = sorted(o.path for o in store.list("_standby/"))
    code, _, err = drill_lake.cli("drill", "--level", "basic", capsys=capsys)
    assert code == 5 and "failover-held" in err  # one operation at a time
    assert sorted(o.path for o in store.list("_standby/")) == before
