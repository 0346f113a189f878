"""The demo's drills section: the weekly basic drill, then the yearly full drill (a test
failover that touches nothing in production) with its self-contained HTML report, and the
runbook generated from the demo's standby.yml and the state both regions are in now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from standby.config import load_config
from standby.demo.lakehouse import TABLES, DemoLakehouse, Narrator
from standby.drill.render import render_report, secs
from standby.drill.runbook import build_runbook, render_runbook
from standby.drill.service import DrillOutcome, DrillRequest, drill

CONTACTS = [  # the DR guide's 7.2
    {
        "role": "DR Lead",
        "responsibility": "Coordinates DR activities",
        "contact": "dr-lead@company.example",
    },
    {
        "role": "Platform Team",
        "responsibility": "Databricks operations",
        "contact": "platform-oncall@company.example",
    },
    {
        "role": "Data Team",
        "responsibility": "Data validation",
        "contact": "data-oncall@company.example",
    },
]


@dataclass
class DrillStory:
    basic_ok: bool
    full_ok: bool
    full_rto_seconds: float | None
    full_rpo_seconds: float | None
    report: str
    runbook: str


def _narrate(narrator: Narrator, report: dict[str, Any]) -> None:
    for check in report["checks"]:
        mark = "ok  " if check["ok"] else "FAIL"
        narrator.note(f"{mark} {check['name']} ({check['seconds']} s): {check['detail']}")
    for failed in report["failed"]:
        narrator.note(f"failed {failed['name']}: {failed['detail']} (more: {failed['command']})")


def drill_section(lake: DemoLakehouse, narrator: Narrator, *, number: int = 13) -> DrillStory:
    """Name the drill's job, query and contacts in standby.yml; run a basic and a full
    drill; write the full drill's HTML report and the runbook beside standby.yml."""
    data = yaml.safe_load(lake.config.read_text())
    data["drills"] = {"jobs": ["nightly_report"], "queries": [f"SELECT COUNT(*) FROM {TABLES[0]}"]}
    data["contacts"] = CONTACTS
    lake.config.write_text(yaml.safe_dump(data, sort_keys=False))
    config = load_config(lake.config)
    cli = f"standby --config {lake.config}"

    narrator.section(f"{number}. DR drills: the weekly basic drill, then the yearly full one")
    narrator.command(f"{cli} drill --level basic")
    basic = drill(config, DrillRequest("basic"))
    assert isinstance(basic, DrillOutcome)
    _narrate(narrator, basic.report)
    report_path = lake.root / "drill-report.html"
    narrator.command(f"{cli} drill --level full --report {report_path}")
    full = drill(config, DrillRequest("full"))
    assert isinstance(full, DrillOutcome)
    _narrate(narrator, full.report)
    report_path.write_text(render_report(full.report, "html"))
    r = full.report
    narrator.note(
        f"measured: RTO {secs(r['rto_seconds'])} ({r['rto_measured_as']}), RPO "
        f"{secs(r['rpo_seconds'])}; targets: "
        + ", ".join(f"{t['name']} RTO {t['rto_target_seconds']:.0f} s" for t in r["tiers"])
    )
    narrator.note(f"the report (one HTML file, charts inline, opens offline): {report_path}")

    runbook_path = lake.root / "RUNBOOK.md"
    narrator.section(f"{number + 1}. The runbook, from standby.yml and the state of both regions")
    narrator.command(f"{cli} runbook --out {runbook_path}")
    runbook_path.write_text(render_runbook(build_runbook(config), "md"))
    narrator.note(
        f"contacts, roles at the current epoch, targets and last measures, the exact "
        f"commands of six scenarios: {runbook_path}"
    )
    return DrillStory(
        basic.report["ok"],
        r["ok"],
        r["rto_seconds"],
        r["rpo_seconds"],
        str(report_path),
        str(runbook_path),
    )
