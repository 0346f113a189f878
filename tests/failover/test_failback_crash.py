"""Acceptance 3 of the failback issue: SIGKILL `standby reprotect` (while it moves commits
aside, while it copies DR's commits back) and `standby failback` (there, and at the steps
of the failover back), 16 points in all. At every kill point, before the rerun: no
orphaned commit is lost (each is in the primary's log with its bytes, or aside under a
manifest that lists it, never in neither), no commit of DR's changed, and deltalake reads
every primary table at its latest version. Every chain of kills ends, with a plain rerun,
in the state an uninterrupted run leaves.

The kills come in chains: a run killed at one point is resumed by a rerun killed at the
next, and so on, and the last rerun is left to finish; a resumed run killed again is the
harder case, and a chain shares one lakehouse (building one costs seconds). The runs are
real processes whose local writes answer a few milliseconds late (see latency.py), so the
windows inside a step are wide enough to land in.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import deltalake
import pytest

from standby.delta.log import LogKind, classify
from standby.failover.orphaned import manifests
from standby.operations.journal import OPERATIONS_DIR
from tests.failover.lakehouse import TABLES, TARGETS, TwoRegions, rows
from tests.failover.latency import slow_writes_child
from tests.failover.outage import (
    comes_back,
    commits,
    forced_failover,
    log_bytes,
    orphans_kept,
    readable,
    replicate_again,
)
from tests.failover.test_refusals import fingerprint
from tests.replication._processes import Forked

ORPHANED = {TABLES[0]: 16, TABLES[1]: 4}  # commits the primary takes that never replicate
DR_COMMITS = 16  # commits DR takes on TABLES[0] during the outage: the copy back's work
MOVING = TABLES[0]


@dataclass
class Outage:
    lake: TwoRegions
    fork: dict[str, int]
    orphaned: dict[str, dict[int, bytes]]  # per table, the bytes of each orphaned commit
    dr_logs: dict[str, dict[str, bytes]]  # DR's logs once it wrote: nothing may change them
    jobs: dict[str, dict[str, str | None]]  # both sites' jobs before the outage


def _outage(lake: TwoRegions) -> Outage:
    jobs = {site: lake.jobs(site) for site in ("primary", "dr")}
    fork = {n: lake.latest(n) for n in TABLES}
    orphaned = {}
    for name, n in ORPHANED.items():
        for i in range(n):
            lake.append(name, 600_000 + 10 * i, n=3)
            if name == MOVING and i == n // 2:  # a checkpoint and its hint among them
                deltalake.DeltaTable(lake.uri(name)).create_checkpoint()
        orphaned[name] = {v: raw for v, raw in commits(lake, name).items() if v > fork[name]}
    forced_failover(lake)
    for i in range(DR_COMMITS):
        deltalake.write_deltalake(lake.uri(MOVING, "dr"), rows(800_000 + 10 * i, 3), mode="append")
    deltalake.write_deltalake(lake.uri(TABLES[2], "dr"), rows(810_000, 3), mode="append")
    comes_back(lake)
    dr_logs = {n: log_bytes(lake, n, "dr") for n in TABLES}
    return Outage(lake, fork, orphaned, dr_logs, jobs)


# -- where a run is ----------------------------------------------------------------------


def _journal(lake: TwoRegions, kind: str) -> dict[str, Any] | None:
    folder = Path(lake.dr_lake.uri) / OPERATIONS_DIR
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            journal = json.loads(path.read_text())
        except (ValueError, FileNotFoundError):  # caught mid-rename: look again
            continue
        if journal["kind"] == kind:
            found.append(journal)
    return found[-1] if found else None


def _step(name: str, status: str) -> Callable[[Outage, str], bool]:
    """The step reached `status` ('running' holds once it has started)."""

    def reached(outage: Outage, kind: str) -> bool:
        journal = _journal(outage.lake, kind)
        record = next((s for s in (journal or {}).get("steps", []) if s["name"] == name), None)
        if record is None:
            return False
        return record["status"] == status or (status == "running" and record["status"] == "done")

    return reached


def _aside(outage: Outage) -> tuple[int, bool]:
    """How many commits of the moving table lie aside, and whether a manifest does."""
    root = Path(outage.lake.uri(MOVING)) / "_standby" / "orphaned"
    ops = [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
    moved = sum(len(list((op / "_delta_log").glob("*.json"))) for op in ops)
    return moved, any((op / "manifest.json").is_file() for op in ops)


def _log_versions(outage: Outage) -> set[int]:
    names = os.listdir(Path(outage.lake.uri(MOVING)) / "_delta_log")
    return {f.version for f in map(classify, names) if f.kind is LogKind.COMMIT and f.version}


def copying_aside(outage: Outage, kind: str) -> bool:
    return _aside(outage)[0] > 0


def deleting(outage: Outage, kind: str) -> bool:
    return _aside(outage)[1] and not set(outage.orphaned[MOVING]) <= _log_versions(outage)


def copying_back(outage: Outage, kind: str) -> bool:
    """DR's first commit after the fork is in the primary's log: the copy back began."""
    first = outage.fork[MOVING] + 1
    path = Path(outage.lake.uri(MOVING)) / "_delta_log" / f"{first:020d}.json"
    dr = outage.dr_logs[MOVING][f"_delta_log/{first:020d}.json"]
    try:
        return path.read_bytes() == dr
    except FileNotFoundError:
        return False


def _where(outage: Outage, kind: str) -> str:
    journal = _journal(outage.lake, kind) or {"steps": []}
    step = next((s for s in journal["steps"] if s["status"] != "done"), None)
    moved, manifest = _aside(outage)
    return (
        f"{step['name'] if step else 'end'} {step['status'] if step else ''}: {moved} aside, "
        f"manifest {manifest}, log up to v{max(_log_versions(outage))}"
    )


# -- what must hold at every kill, and at the end ---------------------------------------


def _nothing_lost(outage: Outage, where: str) -> None:
    lake = outage.lake
    for name, orphaned in outage.orphaned.items():
        assert orphans_kept(lake, name, orphaned) == [], where
    for name in TABLES:
        assert readable(lake, name) >= 0, where
        assert log_bytes(lake, name, "dr") == outage.dr_logs[name], f"DR's log changed: {where}"


def _rewound(outage: Outage) -> None:
    lake = outage.lake
    for name in TABLES:
        assert log_bytes(lake, name, "primary") == outage.dr_logs[name], name
    for name, orphaned in outage.orphaned.items():
        (manifest,) = manifests(lake.config, name)
        assert [c.version for c in manifest.commits] == sorted(orphaned), name
        moved = Path(lake.uri(name)) / "_standby" / "orphaned" / manifest.operation_id
        for version, raw in orphaned.items():
            assert (moved / "_delta_log" / f"{version:020d}.json").read_bytes() == raw


def _reprotected(outage: Outage) -> None:
    _rewound(outage)
    assert outage.lake.control("primary") == ("replica", 2)
    assert outage.lake.control("dr") == ("primary", 2)
    journal = _journal(outage.lake, "reprotect")
    assert journal is not None and journal["status"] == "done"


def _failed_back(outage: Outage) -> None:
    _rewound(outage)
    lake = outage.lake
    assert lake.control("primary") == ("primary", 3) and lake.control("dr") == ("replica", 3)
    assert lake.record_target() == TARGETS["primary"]
    assert {site: lake.jobs(site) for site in ("primary", "dr")} == outage.jobs
    journal = _journal(lake, "failback")
    assert journal is not None and journal["status"] == "done"
    assert all(done == (0, 0) for done in replicate_again(lake))


# -- the chains ---------------------------------------------------------------------------

Point = Callable[[Outage, str], bool]
CHAINS: dict[str, tuple[list[str], list[Point], Callable[[Outage], None]]] = {
    "reprotect": (
        ["reprotect"],
        [copying_aside, deleting, copying_back, _step("become-replica", "running")],
        _reprotected,
    ),
    "failback-a": (
        ["failback", "--yes"],
        [
            copying_aside,
            copying_back,
            _step("catch-up", "running"),
            _step("dns", "running"),
        ],
        _failed_back,
    ),
    "failback-b": (
        ["failback", "--yes"],
        [
            deleting,
            _step("fence-control", "running"),
            _step("promote", "running"),
            _step("validate", "running"),
        ],
        _failed_back,
    ),
    "failback-c": (
        ["failback", "--yes"],
        [
            _step("pause-old-jobs", "done"),
            _step("pause-jobs", "done"),
            _step("start-jobs", "running"),
            _step("reprotect-old", "running"),
        ],
        _failed_back,
    ),
}


def _run(outage: Outage, command: list[str], log: Path) -> Forked:
    env = {k: v for k, v in os.environ.items() if k.startswith("STANDBY_")}  # tokens, keys
    argv = ["--config", str(outage.lake.config_path), *command]
    return Forked(argv, log, env, child=slow_writes_child)


@pytest.mark.parametrize("chain", list(CHAINS))
def test_killed_reprotects_and_failbacks_lose_nothing_and_end_the_same(
    lakehouse: TwoRegions, tmp_path: Path, chain: str
) -> None:
    outage = _outage(lakehouse)
    command, points, finished = CHAINS[chain]
    kind = command[0]
    for n, point in enumerate(points):
        run = _run(outage, command, tmp_path / f"killed-{n}.log")
        deadline = time.monotonic() + 60
        while run.alive() and not point(outage, kind):
            assert time.monotonic() < deadline, f"{point} never reached"
            time.sleep(0.001)
        assert run.alive(), f"the run ended before {point}: " + _where(outage, kind)
        run.kill()
        run.wait()
        _nothing_lost(outage, f"killed at {point} ({_where(outage, kind)})")

    rerun = _run(outage, command, tmp_path / "rerun.log")
    assert rerun.wait(120) == 0, (tmp_path / "rerun.log").read_text()
    finished(outage)


def test_a_killed_reprotect_is_finished_before_a_failback_starts(
    lakehouse: TwoRegions, tmp_path: Path
) -> None:
    """A failback started over a reprotect killed mid-move would move the rest aside under
    its own id: the orphaned commits split over two manifests, neither one whole."""
    outage = _outage(lakehouse)
    run = _run(outage, ["reprotect"], tmp_path / "killed.log")
    while run.alive() and not deleting(outage, "reprotect"):
        time.sleep(0.001)
    run.kill()
    run.wait()
    before = fingerprint(outage.lake)
    failback = _run(outage, ["failback", "--yes"], tmp_path / "refused.log")
    assert failback.wait(60) == 5
    assert "Finish it first: `standby reprotect`" in (tmp_path / "refused.log").read_text()
    assert fingerprint(outage.lake) == before

    for command in (["reprotect"], ["failback", "--yes"]):
        assert _run(outage, command, tmp_path / "ok.log").wait(120) == 0
    _failed_back(outage)
