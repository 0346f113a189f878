"""`drill --level full --live`: after the checks, a real planned failover and a failback,
each its own operation (journal, lease, report), recorded in the drill; the sites end as
they began, one epoch pair further."""

from __future__ import annotations

import pytest

from standby.operations.journal import list_journals
from standby.storage import open_store
from tests.drill.conftest import DrillLake
from tests.failover.lakehouse import TARGETS


def test_a_live_drill_fails_over_and_back(
    drill_lake: DrillLake, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = drill_lake.lake
    before = {site: lake.jobs(site) for site in ("primary", "dr")}
    code, report = drill_lake.drill("--level", "full", "--live", "--yes", capsys=capsys)
    assert code == 0, report
    assert report["live"] is True and report["ok"] is True
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["live-failover"]["ok"] and checks["live-failback"]["ok"]
    dr = open_store(lake.dr_lake.uri)
    failover = list_journals(dr, kind="failover")[-1]
    failback = list_journals(dr, kind="failback")[-1]
    assert failover.status == failback.status == "done"
    assert failover.operation_id in checks["live-failover"]["detail"]
    assert report["rto_seconds"] == (failover.report or {})["rto_seconds"]
    assert report["rto_measured_as"] == "the live failover's report"
    assert {t["rpo_seconds"] for t in report["tables"]} == {0.0}  # planned: nothing lost
    assert all(t["measured_by"] == "live-failover" for t in report["tables"])
    assert lake.control("primary") == ("primary", 3) and lake.control("dr") == ("replica", 3)
    assert lake.record_target() == TARGETS["primary"]
    assert {site: lake.jobs(site) for site in ("primary", "dr")} == before
    assert [s["status"] for s in report["steps"]] == ["done"] * len(report["steps"])


def test_a_live_drill_does_not_fail_over_when_a_check_failed(
    drill_lake: DrillLake, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = drill_lake.lake
    lake.primary.client().cluster_policies.create(name="drifted", definition="{}")
    code, report = drill_lake.drill("--level", "full", "--live", "--yes", capsys=capsys)
    assert code == 1
    failed = {f["name"]: f["detail"] for f in report["failed"]}
    assert "configuration" in failed
    assert failed["live-failover"] == "not run: check(s) before it failed: configuration"
    assert lake.control("dr") == ("replica", 1)  # nothing moved
    assert list_journals(open_store(lake.dr_lake.uri), kind="failover") == []
