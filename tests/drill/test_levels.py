"""Acceptance 1 and 2 of the drills issue: every level passes on a healthy two-region
lakehouse (local disk and moto S3, two sandboxes) and a full drill leaves production as it
was; each problem fails its level with exit 1, naming the check, why, and where to look."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from standby.backup import Catalog
from standby.drill.render import render_report
from standby.storage import open_store
from tests.drill.conftest import DrillLake, fingerprint
from tests.failover.lakehouse import TABLES

CHECKS = {
    "basic": ["dr-workspace", "control-objects", "replicas", "backups"],
    "intermediate": ["configuration", "restore-test", "drill-jobs"],
    "full": ["test-failover", "drill-catalog", "validate"],
}


def _changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _leaves_only_its_records(before: dict[str, Any], after: dict[str, Any], drill_id: str) -> None:
    """Everything is byte-identical but the drill's history, its journal and the lease."""
    assert _changed(before["dr"], after["dr"]) <= {
        f"_standby/drills/{drill_id}.json",
        f"_standby/operations/{drill_id}.json",
        "_standby/lease.json",
    }
    assert f"_standby/drills/{drill_id}.json" in after["dr"]
    for part in ("primary", "backups", "primary_workspace", "dr_workspace", "dns"):
        assert after[part] == before[part], f"the drill changed {part}"


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_every_level_passes_on_a_healthy_lakehouse(
    drill_lake_on: Callable[..., DrillLake],
    kind: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    dl = drill_lake_on(kind)
    wanted: list[str] = []
    for level in ("basic", "intermediate", "full"):
        wanted += CHECKS[level]
        before = fingerprint(dl)
        code, report = dl.drill(
            "--level", level, "--report", str(tmp_path / f"{level}.md"), capsys=capsys
        )
        assert code == 0, report
        assert report["ok"] is True and report["failed"] == []
        assert [c["name"] for c in report["checks"]] == wanted
        assert all(
            c["ok"] and not c["skipped"] and c["seconds"] is not None for c in report["checks"]
        )
        assert {t["name"] for t in report["tables"]} == set(TABLES)
        assert all(t["rpo_seconds"] == 0.0 for t in report["tables"])  # caught up
        assert f"`{report['drill_id']}`" in (tmp_path / f"{level}.md").read_text()
        if level == "full":
            _leaves_only_its_records(before, fingerprint(dl), report["drill_id"])
            started = report["steps"][[s["name"] for s in report["steps"]].index("test-failover")]
            validated = next(s for s in report["steps"] if s["name"] == "validate")
            assert report["rto_seconds"] == round(
                (validated["ended_ms"] - started["started_ms"]) / 1000, 3
            )
            assert all(t["rto_ok"] and t["rpo_ok"] for t in report["tiers"])
            validate = _measured(dl, report["drill_id"], "validate")
            assert [q["first_row"] for q in validate["queries"]] == [["40"]]
            assert {t["name"]: t["rows"] for t in validate["tables"]} == dict.fromkeys(TABLES, 40)
        else:
            assert report["rto_seconds"] is None
    _no_secret_anywhere(dl, tmp_path, capsys)


def _no_secret_anywhere(dl: DrillLake, reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The storage key (a canary) reaches no journal, history, report or output."""
    canary = "canary-storage-key-not-for-output"
    store = open_store(dl.lake.dr_lake.uri, options=dl.lake.options("dr") or None)
    written = [store.get(o.path) for o in store.list("_standby/")]
    written += [p.read_bytes() for p in reports.glob("*.md")]
    code, out, err = dl.cli("--json", "drill", "history", capsys=capsys)
    assert code == 0 and len(json.loads(out)["drills"]) == 3
    assert all(canary.encode() not in w for w in written) and canary not in out + err


def _measured(dl: DrillLake, drill_id: str, step: str) -> dict[str, Any]:
    store = open_store(dl.lake.dr_lake.uri, options=dl.lake.options("dr") or None)
    journal = json.loads(store.get(f"_standby/operations/{drill_id}.json"))
    record = next(s for s in journal["steps"] if s["name"] == step)
    measured: dict[str, Any] = record["changed"]["verdict"]["measured"]
    return measured


def _stale_backup(dl: DrillLake) -> None:
    """The newest backup of a table was made three days ago: the nightly runs stopped."""
    catalog = Catalog(dl.backup_uri)
    entry = next(e for e in reversed(catalog.entries()) if e.table == TABLES[1])
    old = int((datetime.now(tz=UTC) - timedelta(days=3)).timestamp() * 1000)
    path = f"_standby/backups/{entry.id}.json"
    catalog.store.put(path, entry.model_copy(update={"created": old}).model_dump_json().encode())


def _corrupt_backup(dl: DrillLake) -> None:
    """A data file of a backup keeps its size but not its bytes (bit rot, a bad copy)."""
    root = Path(dl.backup_uri.removeprefix("file://"))
    victim = next(p for p in sorted(root.rglob("*.parquet")) if "transactions" in str(p))
    data = bytearray(victim.read_bytes())
    data[4 : len(data) - 8] = bytes(len(data) - 12)
    victim.write_bytes(bytes(data))


def _replica_beyond_rpo(dl: DrillLake) -> None:
    """tier1 allows 1 s of loss; a commit on the primary has waited longer than that."""
    dl.edit(lambda data: data.update(tiers={"tier1": {"rpo": "1s"}}))
    dl.lake.append(TABLES[0], 50_000)
    time.sleep(1.5)


def _drift(dl: DrillLake) -> None:
    dl.lake.primary.client().cluster_policies.create(name="added-after-sync", definition="{}")


def _failing_job(dl: DrillLake) -> None:
    """The drill job's notebook is missing in DR (notebooks are not a synced kind here)."""
    dl.edit(lambda d: d["protected"].update(workspace_kinds=["jobs", "clusters", "warehouses"]))
    dl.lake.dr.client().workspace.delete("/Shared/reports/refresh")


def _replica_file_missing(dl: DrillLake) -> None:
    """A data file of the newest version of a replica is gone."""
    replica = Path(dl.lake.uri(TABLES[2], "dr").removeprefix("file://"))
    latest = sorted((replica / "_delta_log").glob("*.json"))[-1]
    adds = [json.loads(line)["add"] for line in latest.read_text().splitlines() if '"add"' in line]
    (replica / adds[0]["path"]).unlink()


PROBLEMS = [
    ("basic", "backups", _stale_backup, "h old; the schedule '0 2 * * *'"),
    ("basic", "backups", _corrupt_backup, "does not read back"),
    ("basic", "replicas", _replica_beyond_rpo, "> RPO 1 s"),
    ("intermediate", "configuration", _drift, "added-after-sync"),
    ("intermediate", "drill-jobs", _failing_job, "ended FAILED"),
    ("full", "test-failover", _replica_file_missing, "not whole"),
]


@pytest.mark.parametrize(
    ("level", "check", "cause", "why"), PROBLEMS, ids=[p[2].__name__.strip("_") for p in PROBLEMS]
)
def test_each_problem_fails_its_check(
    drill_lake: DrillLake,
    capsys: pytest.CaptureFixture[str],
    level: str,
    check: str,
    cause: Callable[[DrillLake], None],
    why: str,
    tmp_path: Path,
) -> None:
    cause(drill_lake)
    html, md = tmp_path / "failed.html", tmp_path / "failed.md"
    code, out, err = drill_lake.cli(
        "--json", "drill", "--level", level, "--report", str(html), capsys=capsys
    )
    assert code == 1, err
    report = json.loads(out)
    assert report["ok"] is False
    failed = {f["name"]: f for f in report["failed"]}
    assert check in failed, failed
    assert why in failed[check]["detail"], failed[check]
    assert failed[check]["command"].startswith("standby --config ")
    assert f"{check}: " in err and f"(more: {failed[check]['command']})" in err
    assert not any(f["title"] == "clean-up" for f in report["failed"]), "the clean-up finished"
    md.write_text(render_report(report, "md"))  # the report --json printed, as Markdown
    assert f"| {check} |" in md.read_text() and "FAILED" in html.read_text()
    assert '<tr class="fail"><td>' + check in html.read_text()


def test_a_dry_run_changes_nothing_and_plans_the_steps_that_run(
    drill_lake: DrillLake, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fingerprint(drill_lake)
    code, plan = drill_lake.drill("--level", "full", "--dry-run", capsys=capsys)
    assert code == 0, plan
    assert fingerprint(drill_lake) == before
    lines = "\n".join(line for step in plan["steps"] for line in step["plan"])
    assert "shallow-clone production.sales.transactions at its safe point" in lines
    assert "run job nightly_report once in dr" in lines
    assert "SELECT COUNT(*) FROM standby_drill_" in lines  # the query, against the drill copy
    code, report = drill_lake.drill("--level", "full", capsys=capsys)
    assert code == 0, report
    assert [s["name"] for s in plan["steps"]] == [s["name"] for s in report["steps"]]
