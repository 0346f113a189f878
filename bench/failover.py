"""Failover RTO on the demo's two-region lakehouse: local storage, two workspace sandboxes,
three tables, a writer committing while the planned switchover runs.

python -m bench.failover [--runs 3]

For each run a fresh lakehouse (built as the demo builds it: tables, workspaces, standby.yml,
replication, configuration synced), then the planned switchover and its failback, or the
outage story: the primary dies under the writer, forced failover, failback. Every number
is read from the operations' journals (the RTO is the journal's, start to validated).
The sandboxes pace runs and warehouses by `step_seconds` (0.1 s, as in the demo): time
spent waiting on them is shown apart.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from standby.config import load_config
from standby.demo import build, start_workspaces
from standby.demo.failover import failover_section
from standby.demo.lakehouse import DemoLakehouse
from standby.demo.workspace import workspace_section
from standby.failover.service import home
from standby.operations.journal import list_journals
from standby.replication import replicate_table
from standby.replication.plan import configured_pairs


class Silent:
    def section(self, title: str) -> None: ...
    def command(self, line: str) -> None: ...
    def show(self, result: Any, kind: str) -> None: ...
    def note(self, text: str) -> None: ...


def one_run(root: Path, *, outage: bool) -> list[dict[str, Any]]:
    """The reports of the failover and the failback of one fresh lakehouse."""
    lake = DemoLakehouse(root)
    build(lake, pause=lambda: None)
    primary, dr = start_workspaces(lake, Silent())
    try:
        lake.write_config()
        workspace_section(lake, primary, dr, Silent())
        config = load_config(lake.config)
        planned = configured_pairs(config)
        for pair in planned.pairs:
            replicate_table(pair.source, pair.target, epoch=planned.epoch)
        failover_section(lake, primary, dr, Silent(), outage=outage)
        config = load_config(lake.config)
        return [j.report or {} for j in list_journals(home(config).home)]
    finally:
        primary.stop()
        dr.stop()


def _dominant(report: dict[str, Any], n: int = 3) -> str:
    steps = sorted(report["steps"], key=lambda s: -(s["seconds"] or 0))[:n]
    return ", ".join(f"{s['name']} {s['seconds']:.2f} s" for s in steps)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    rows: dict[str, list[dict[str, Any]]] = {}
    for outage in (False, True):
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="standby-bench-failover-") as tmp:
                failover_report, failback_report = one_run(Path(tmp), outage=outage)
            kind = "forced failover" if outage else "planned failover"
            rows.setdefault(kind, []).append(failover_report)
            rows.setdefault(f"failback after {kind}", []).append(failback_report)
    print(f"\nFailover on the demo lakehouse (3 tables, 2 sandboxes, local disk), {args.runs} runs")
    head = f"{'operation':<34} {'RTO median':>10} {'range':>15} {'waiting':>8}"
    print(f"{head}  slowest steps (median run)")
    for name, reports in rows.items():
        rtos = [r["rto_seconds"] for r in reports]
        median = sorted(reports, key=lambda r: r["rto_seconds"])[len(reports) // 2]
        waiting = statistics.median(r["waiting_on_workspace_seconds"] for r in reports)
        rpo = {
            t["name"].split(".")[-1]: (t["rpo_seconds"], t.get("rpo_bound_seconds"))
            for t in median["tables"]
        }
        print(
            f"{name:<34} {statistics.median(rtos):>9.2f}s {min(rtos):>6.2f}-{max(rtos):<6.2f}s "
            f"{waiting:>7.2f}s  {_dominant(median)}"
        )
        print(f"{'':<34} RPO per table (s, measured and bound): {rpo}")


if __name__ == "__main__":
    main()
