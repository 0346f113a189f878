"""What the failover steps do beyond the main story: runs drained, waited for or cancelled;
MODIFY revoked and recorded; a validation job that must pass; a DNS command; a follow
loop of the deposed primary that stops."""

from __future__ import annotations

import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from standby.errors import ProblemFound, Refused
from standby.failover.service import FailoverRequest, failover
from standby.operations.journal import Journal, load, unfinished
from standby.replication.follow import follow
from standby.replication.plan import configured_pairs
from standby.storage import open_store
from tests.failover.lakehouse import TABLES, TwoRegions


def _job_id(lake: TwoRegions, name: str) -> int:
    w = lake.primary.client()
    return next(j.job_id for j in w.jobs.list() if j.settings and j.settings.name == name) or 0


def test_a_run_still_going_stops_the_failover_until_cancelled(
    lakehouse_on: Callable[..., TwoRegions],
) -> None:
    lake = lakehouse_on("local", step_seconds=2.0)  # runs take seconds: one is still going
    run = lake.primary.client().jobs.run_now(_job_id(lake, "etl_pipeline"))
    with pytest.raises(Refused, match="still running"):
        failover(lake.config, FailoverRequest(mode="planned", drain_timeout=0.3))
    home = open_store(lake.dr_lake.uri)
    stuck = unfinished(home, kind="failover")
    assert stuck is not None and stuck.step("drain-runs").status == "failed"
    assert lake.control("primary") == ("fenced", 2)  # fenced, jobs paused, nothing promoted
    assert lake.control("dr") == ("replica", 1)

    done = failover(lake.config, FailoverRequest(cancel_runs=True))  # resumes the same one
    assert isinstance(done, Journal) and done.operation_id == stuck.operation_id
    assert done.changed("drain-runs")["cancelled"] == [run.run_id]
    assert lake.control("dr") == ("primary", 2)


def test_fence_grants_revokes_modify_and_records_who_had_it(
    lakehouse_on: Callable[..., TwoRegions],
) -> None:
    lake = lakehouse_on("local", failover={"fence_grants": True})
    w = lake.primary.client()
    for name in TABLES[:2]:
        w.api_client.do(
            "PATCH",
            f"/api/2.1/unity-catalog/permissions/table/{name}",
            body={"changes": [{"principal": "etl-writers", "add": ["MODIFY", "SELECT"]}]},
        )
    journal = failover(lake.config, FailoverRequest(mode="planned", sync_config=True))
    assert isinstance(journal, Journal)
    revoked = journal.changed("fence-grants")["revoked"]
    assert revoked[TABLES[0]] == ["etl-writers"] and revoked[TABLES[2]] == []
    answer = w.api_client.do("GET", f"/api/2.1/unity-catalog/permissions/table/{TABLES[0]}")
    held = {a["principal"]: a["privileges"] for a in answer["privilege_assignments"]}  # type: ignore[index]
    assert held["etl-writers"] == ["SELECT"]  # MODIFY gone, the rest untouched


def test_the_validation_job_must_succeed(lakehouse_on: Callable[..., TwoRegions]) -> None:
    lake = lakehouse_on("local", failover={"validation_job": "nightly_report"})
    journal = failover(lake.config, FailoverRequest(mode="planned"))
    assert isinstance(journal, Journal)
    assert journal.changed("validate")["validation_job"]["result"] == "SUCCESS"


def test_a_failing_validation_job_fails_validate_after_the_promotion(
    lakehouse_on: Callable[..., TwoRegions],
) -> None:
    lake = lakehouse_on("local", failover={"validation_job": "nightly_report"})
    data = yaml.safe_load(lake.config_path.read_text())
    data["protected"]["workspace_kinds"] = ["jobs", "clusters", "warehouses"]  # not notebooks
    lake.config_path.write_text(yaml.safe_dump(data))
    lake.dr.client().workspace.delete("/Shared/reports/refresh")  # so the job's run fails
    with pytest.raises(ProblemFound, match="validation job"):
        failover(lake.config, FailoverRequest(mode="planned"))
    stuck = unfinished(open_store(lake.dr_lake.uri), kind="failover")
    assert stuck is not None and stuck.step("validate").status == "failed"
    assert lake.control("dr") == ("primary", 2)  # the failover itself is done


def test_dns_by_command_gets_the_record_and_both_targets(
    lakehouse_on: Callable[..., TwoRegions], tmp_path: Path
) -> None:
    lake = lakehouse_on("local")
    out = tmp_path / "dns.txt"
    script = tmp_path / "switch.py"
    script.write_text(
        "import os\n"
        f"open({str(out)!r}, 'w').write(' '.join(os.environ[k] for k in "
        "('STANDBY_DNS_RECORD', 'STANDBY_DNS_OLD', 'STANDBY_DNS_NEW')))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    data = yaml.safe_load(lake.config_path.read_text())
    for site in ("primary", "dr"):
        data["sites"][site]["dns"] = {
            "provider": "command",
            "record": "lake.company.test",
            "target": f"{site}.company.test",
            "options": {"command": f"{sys.executable} {script}"},
        }
    lake.config_path.write_text(yaml.safe_dump(data))
    journal = failover(lake.config, FailoverRequest(mode="planned"))
    assert isinstance(journal, Journal)
    assert out.read_text() == "lake.company.test primary.company.test dr.company.test"
    assert (
        load(open_store(lake.dr_lake.uri), journal.operation_id).changed("dns")["provider"]
        == "command"
    )


def test_the_deposed_primarys_follow_loop_stops(lakehouse: TwoRegions) -> None:
    planned = configured_pairs(lakehouse.config)
    outcome: list[BaseException] = []
    stop = threading.Event()

    def run() -> None:
        try:
            follow(planned.pairs, interval=0.1, stop=stop, fence=planned.fence)
        except BaseException as e:
            outcome.append(e)

    follower = threading.Thread(target=run)
    follower.start()
    failover(lakehouse.config, FailoverRequest(mode="planned"))
    follower.join(10)
    stop.set()
    assert not follower.is_alive()
    assert outcome and isinstance(outcome[0], Refused) and "epoch" in outcome[0].message
