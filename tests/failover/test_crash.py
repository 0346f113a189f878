"""Acceptance 3 of the failover issue: SIGKILL the failover process at each step boundary
and in the middle of the catch-up, planned and forced; a plain rerun resumes the same
operation and ends in the same state as a run never interrupted."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from standby.operations.journal import OPERATIONS_DIR
from standby.storage import normalize
from tests.failover.lakehouse import TABLES, TARGETS, TwoRegions
from tests.replication._processes import Forked

# (mode, step, status it must reach before the kill); "catch-up" mid-way is its own point.
POINTS = [
    ("planned", "fence-control", "running"),
    ("planned", "pause-jobs", "running"),
    ("planned", "pause-jobs", "done"),
    ("planned", "catch-up", "mid"),
    ("planned", "promote", "running"),
    ("planned", "start-jobs", "running"),
    ("planned", "dns", "running"),
    ("planned", "validate", "running"),
    ("forced", "safe-points", "running"),
    ("forced", "promote", "done"),
    ("forced", "start-jobs", "running"),
    ("forced", "dns", "running"),
]


def _journals(lake: TwoRegions) -> list[dict[str, Any]]:
    folder = Path(lake.dr_lake.uri) / OPERATIONS_DIR
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            found.append(json.loads(path.read_text()))
        except ValueError:  # caught mid-rename: look again
            continue
    return found


def _dr_commits(lake: TwoRegions) -> int:
    log = Path(lake.uri(TABLES[0], "dr")) / "_delta_log"
    return sum(1 for n in os.listdir(log) if n.endswith(".json") and len(n) == 25)


def _reached(lake: TwoRegions, step: str, status: str, dr_commits: int) -> bool:
    journals = _journals(lake)
    if not journals:
        return False
    record = next(s for s in journals[-1]["steps"] if s["name"] == step)
    if status == "mid":
        return record["status"] == "running" and _dr_commits(lake) > dr_commits
    return record["status"] == status or (status == "running" and record["status"] == "done")


def _failover(lake: TwoRegions, mode: str, log: Path) -> Forked:
    env = {k: v for k, v in os.environ.items() if k.startswith("STANDBY_")}  # tokens, keys
    argv = [
        "--config",
        str(lake.config_path),
        "failover",
        f"--{mode}",
        "--yes",
        "--primary-timeout",
        "2s",
    ]
    return Forked(argv, log, env)


def _end_state(lake: TwoRegions) -> dict[str, Any]:
    return {
        "dr_control": lake.control("dr"),
        "dr_jobs": lake.jobs("dr"),
        "dns": lake.record_target(),
        "catalog": {n: lake.dr.client().tables.get(n).storage_location for n in TABLES},
        "operations": [(j["status"], {s["status"] for s in j["steps"]}) for j in _journals(lake)],
    }


def _killed_at(lake: TwoRegions, mode: str, step: str, status: str, log: Path) -> bool:
    """Run a failover, SIGKILL it at the point; whether it died before finishing."""
    for i in range(40):  # work for the catch-up: commits the replica does not have yet
        lake.append(TABLES[0], 70_000 + 10 * i)
    dr_commits = _dr_commits(lake)
    if mode == "forced":
        lake.primary.go_down()
    run = _failover(lake, mode, log)
    deadline = time.monotonic() + 60
    while run.alive() and not _reached(lake, step, status, dr_commits):
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.001)
    run.kill()
    run.wait()
    journals = _journals(lake)
    return bool(journals) and journals[-1]["status"] != "done"


@pytest.mark.parametrize(
    ("mode", "step", "status"), POINTS, ids=[f"{m}-{s}-{t}" for m, s, t in POINTS]
)
def test_a_killed_failover_resumes_to_the_same_end(
    lakehouse_on: Callable[..., TwoRegions], tmp_path: Path, mode: str, step: str, status: str
) -> None:
    for _attempt in range(3):  # a loaded machine may finish the step before the kill
        lake = lakehouse_on("local")
        if _killed_at(lake, mode, step, status, tmp_path / "killed.log"):
            break
    else:
        pytest.fail(f"the kill point {step} {status} was missed three times")

    rerun = _failover(lake, mode, tmp_path / "rerun.log")
    assert rerun.wait(120) == 0, (tmp_path / "rerun.log").read_text()
    state = _end_state(lake)
    assert state["dr_control"] == ("primary", 2)
    assert state["dns"] == TARGETS["dr"]
    assert state["catalog"] == {n: normalize(lake.uri(n, "dr")) for n in TABLES}
    assert state["dr_jobs"] == {"etl_pipeline": "UNPAUSED", "nightly_report": "UNPAUSED"}
    assert state["operations"] == [("done", {"done"})], "the rerun did not resume the operation"
    if mode == "planned":
        assert lake.control("primary") == ("fenced", 2)
        assert lake.jobs("primary") == {"etl_pipeline": "PAUSED", "nightly_report": "PAUSED"}
        journal = _journals(lake)[-1]
        before = next(s for s in journal["steps"] if s["name"] == "pause-jobs")["changed"]["before"]
        assert {n: b["pause"] for n, b in before.items()} == {
            "etl_pipeline": "UNPAUSED",
            "nightly_report": "UNPAUSED",
        }
        for name in TABLES:
            assert lake.latest(name, "dr") == lake.latest(name, "primary")
