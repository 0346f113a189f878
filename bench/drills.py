"""DR drills on the demo's two-region lakehouse: local storage, two workspace sandboxes
(step_seconds 0.1, as in the demo), three tables replicated, a nightly backup policy,
the configuration synced, one drill job and one query in `drills:`.

python -m bench.drills [--runs 5]

One lakehouse; then `--runs` drills of each level in turn. Every number is read from the
drills' reports, which are built from their journals: a drill's duration, its RTO (full:
the test failover's first step to the end of its validation) and RPO (the replicas' lag,
or the safe points'), and the slowest steps of the median run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from bench.failover import Silent
from standby.config import load_config
from standby.demo import build, start_workspaces
from standby.demo.backups import backup_section
from standby.demo.lakehouse import TABLES, DemoLakehouse
from standby.demo.workspace import workspace_section
from standby.drill.service import DrillOutcome, DrillRequest, drill
from standby.replication import replicate_table
from standby.replication.plan import configured_pairs

LEVELS = ("basic", "intermediate", "full")


def _lakehouse(root: Path) -> tuple[DemoLakehouse, Any, Any]:
    lake = DemoLakehouse(root)
    build(lake, pause=lambda: None)
    primary, dr = start_workspaces(lake, Silent())
    lake.write_config()
    backup_section(lake, Silent())
    workspace_section(lake, primary, dr, Silent())
    data = yaml.safe_load(lake.config.read_text())
    data["drills"] = {"jobs": ["nightly_report"], "queries": [f"SELECT COUNT(*) FROM {TABLES[0]}"]}
    lake.config.write_text(yaml.safe_dump(data, sort_keys=False))
    planned = configured_pairs(load_config(lake.config))
    for pair in planned.pairs:
        replicate_table(pair.source, pair.target, epoch=planned.epoch)
    return lake, primary, dr


def _slowest(report: dict[str, Any], n: int = 3) -> str:
    steps = sorted(report["steps"], key=lambda s: -(s["seconds"] or 0))[:n]
    return ", ".join(f"{s['name']} {s['seconds']:.2f} s" for s in steps)


def _row(level: str, reports: list[dict[str, Any]]) -> str:
    seconds = [r["seconds"] for r in reports]
    median = sorted(reports, key=lambda r: r["seconds"])[len(reports) // 2]
    rtos = [r["rto_seconds"] for r in reports if r["rto_seconds"] is not None]
    rto = f"{statistics.median(rtos):.2f}s ({min(rtos):.2f}-{max(rtos):.2f})" if rtos else "-"
    rpo = max(r["rpo_seconds"] or 0.0 for r in reports)
    passed = sum(r["ok"] for r in reports)
    spread = f"{min(seconds):>5.2f}-{max(seconds):<5.2f}s"
    return (
        f"{level:<13} {statistics.median(seconds):>7.2f}s {spread}"
        f" {rto:>20} {rpo:>7.2f}s {passed:>3}/{len(reports)}  {_slowest(median)}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rows: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="standby-bench-drills-") as tmp:
        lake, primary, dr = _lakehouse(Path(tmp))
        try:
            config = load_config(lake.config)
            for _ in range(args.runs):
                for level in LEVELS:
                    outcome = drill(config, DrillRequest(level))  # type: ignore[arg-type]
                    assert isinstance(outcome, DrillOutcome)
                    rows.setdefault(level, []).append(outcome.report)
        finally:
            primary.stop()
            dr.stop()
    print(
        f"\nDR drills on the demo lakehouse (3 tables, 2 sandboxes, local disk), {args.runs} runs"
    )
    print(
        f"{'level':<13} {'duration':>8} {'range':>11} {'RTO median (range)':>20} {'max RPO':>8}"
        f" {'ok':>5}  slowest steps (median run)"
    )
    for level, reports in rows.items():
        print(_row(level, reports))


if __name__ == "__main__":
    main()
