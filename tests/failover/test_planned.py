"""Acceptance 1 of the failover issue: a planned failover with a writer committing every
second until the fence loses no commit, and moves roles, jobs, DNS and the catalog."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from standby.failover.service import FailoverRequest, failover
from standby.operations.journal import Journal
from standby.storage import normalize
from tests.failover.lakehouse import TABLES, TARGETS, TwoRegions, Writer


def _planned(lake: TwoRegions) -> Journal:
    # The primary's job was paused after the last sync: sync first, or preflight refuses.
    result = failover(lake.config, FailoverRequest(mode="planned", sync_config=True))
    assert isinstance(result, Journal)
    return result


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_planned_failover_loses_no_commit_and_moves_everything(
    lakehouse_on: Callable[..., TwoRegions], kind: str
) -> None:
    lake = lakehouse_on(kind)
    w = lake.primary.client()
    report_job = next(
        j for j in w.jobs.list() if j.settings and j.settings.name == "nightly_report"
    )
    settings = report_job.settings
    assert settings is not None and settings.schedule is not None
    settings.schedule.pause_status = settings.schedule.pause_status.PAUSED  # paused on purpose
    w.jobs.update(report_job.job_id or 0, new_settings=settings)
    before = lake.jobs("primary")
    assert before == {"etl_pipeline": "UNPAUSED", "nightly_report": "PAUSED"}

    with Writer(lake, TABLES[0], interval=0.5) as writer:
        time.sleep(1.2)
        journal = _planned(lake)
    assert len(writer.versions) >= 2, "the writer committed while replication was not following"

    for name in TABLES:  # RPO 0: the DR copy holds the primary's every commit
        assert lake.latest(name, "dr") == lake.latest(name, "primary")
    report = journal.report
    assert report is not None
    assert all(t["rpo_seconds"] == 0.0 and not t["lost_versions"] for t in report["tables"])
    assert lake.control("dr") == ("primary", 2)
    assert lake.control("primary") == ("fenced", 2)
    assert lake.jobs("dr") == before  # exactly the pause states of the primary
    assert lake.jobs("primary") == {"etl_pipeline": "PAUSED", "nightly_report": "PAUSED"}
    assert lake.record_target() == TARGETS["dr"]
    registered = {n: lake.dr.client().tables.get(n).storage_location for n in TABLES}
    assert registered == {n: normalize(lake.uri(n, "dr")) for n in TABLES}
    assert [s.status for s in journal.steps] == ["done"] * len(journal.steps)
    assert [s.name for s in journal.steps] == [
        "sync-config",
        "preflight",
        "fence-control",
        "pause-jobs",
        "drain-runs",
        "catch-up",
        "promote",
        "catalog",
        "start-jobs",
        "dns",
        "validate",
        "late-writes",
        "report",
    ]
    assert report["rto_seconds"] > 0
    assert journal.changed("pause-jobs")["before"]["etl_pipeline"]["pause"] == "UNPAUSED"
