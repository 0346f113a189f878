"""Acceptance 2 of the drills issue, the other half: a full drill SIGKILLed after it made
its catalog and its clones leaves them behind; a plain rerun resumes that drill, finishes
its clean-up, and production is as it was before the drill."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from standby.operations.journal import OPERATIONS_DIR
from tests.drill.conftest import DrillLake, fingerprint
from tests.replication._processes import Forked


def _journals(dl: DrillLake) -> list[dict[str, Any]]:
    folder = Path(dl.lake.dr_lake.uri.removeprefix("file://")) / OPERATIONS_DIR
    found = []
    for path in sorted(folder.glob("drill-*.json")) if folder.is_dir() else []:
        try:
            found.append(json.loads(path.read_text()))
        except ValueError:  # caught mid-write: look again
            continue
    return found


def _drill_catalogs(dl: DrillLake) -> list[str]:
    store = dl.lake.dr.store
    with store.lock:
        return [n for n in store.collection("uc_catalogs") if n.startswith("standby_drill_")]


def _area(dl: DrillLake) -> list[Path]:
    drills = Path(dl.lake.dr_lake.uri.removeprefix("file://")) / "_standby" / "drills"
    return [p for p in drills.rglob("*") if p.is_file() and p.parent != drills]


def _run(dl: DrillLake, log: Path) -> Forked:
    env = {k: v for k, v in os.environ.items() if k.startswith("STANDBY_")}
    return Forked(["--config", str(dl.config_path), "drill", "--level", "full"], log, env)


def _killed_with_leftovers(dl: DrillLake, log: Path) -> bool:
    """Run a full drill, SIGKILL it once its catalog exists; whether it died unfinished."""
    run = _run(dl, log)
    deadline = time.monotonic() + 60
    while run.alive() and not _drill_catalogs(dl):
        assert time.monotonic() < deadline, "the drill never made its catalog"
        time.sleep(0.002)
    run.kill()
    run.wait()
    journals = _journals(dl)
    return bool(journals) and journals[-1]["status"] != "done"


def test_a_killed_full_drill_finishes_its_cleanup_when_rerun(
    drill_lake: DrillLake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fingerprint(drill_lake)
    for attempt in range(3):  # a loaded machine may finish the drill before the kill
        if _killed_with_leftovers(drill_lake, tmp_path / f"killed-{attempt}.log"):
            break
    else:
        pytest.fail("the kill point was missed three times")
    killed = _journals(drill_lake)[-1]
    assert _drill_catalogs(drill_lake) and _area(drill_lake), "nothing was left to clean up"
    cleanup = [s for s in killed["steps"] if s["cleanup"]]
    assert [s["name"] for s in cleanup] == ["drop-drill-catalog", "remove-drill-area", "report"]
    assert all(s["status"] == "pending" for s in cleanup), "recorded as pending from the start"

    code, report = drill_lake.drill("--level", "basic", capsys=capsys)  # any rerun finishes it
    assert code == 0, report
    assert report["drill_id"] == killed["operation_id"] and report["level"] == "full"
    assert _drill_catalogs(drill_lake) == [] and _area(drill_lake) == []
    assert [j["status"] for j in _journals(drill_lake)][-1] == "done"
    after = fingerprint(drill_lake)
    history = {f"_standby/drills/{j['operation_id']}.json" for j in _journals(drill_lake)}
    journals = {f"_standby/operations/{j['operation_id']}.json" for j in _journals(drill_lake)}
    changed = {
        k
        for k in before["dr"].keys() | after["dr"].keys()
        if before["dr"].get(k) != after["dr"].get(k)
    }
    assert changed <= history | journals | {"_standby/lease.json"}
    for part in ("primary", "backups", "primary_workspace", "dr_workspace", "dns"):
        assert after[part] == before[part], f"the drill changed {part}"


def test_a_drill_killed_after_its_last_step_is_closed_by_the_next_run(
    drill_lake: DrillLake, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every step done, the journal not yet marked done: the next run closes it (without
    running anything again) instead of finding it unfinished forever."""
    code, report = drill_lake.drill("--level", "basic", capsys=capsys)
    assert code == 0, report
    path = Path(drill_lake.lake.dr_lake.uri.removeprefix("file://")) / OPERATIONS_DIR
    journal_file = path / f"{report['drill_id']}.json"
    journal = json.loads(journal_file.read_text())
    journal["status"], journal["ended_ms"] = "running", None
    journal_file.write_text(json.dumps(journal))
    code, again = drill_lake.drill("--level", "basic", capsys=capsys)
    assert code == 0 and again["drill_id"] == report["drill_id"]  # closed, not rerun
    closed = json.loads(journal_file.read_text())
    assert closed["status"] == "done" and closed["steps"] == journal["steps"]
    code, fresh = drill_lake.drill("--level", "basic", capsys=capsys)
    assert code == 0 and fresh["drill_id"] != report["drill_id"]
