"""What every operation command shares: the options, the progress lines, the plan and
the report as people read them, and `standby operations list | show` (the journals)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from standby.cli import params
from standby.cli.context import current_config
from standby.cli.drill import render as render_drill
from standby.cli.output import emit, error_console, flags, fmt_ms
from standby.failover.service import Planned, home
from standby.operations.journal import Journal, list_journals, load
from standby.operations.runner import Event

operations_app = typer.Typer(help="The journals of failovers, failbacks and drills.")

DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing.")]
Yes = Annotated[bool, typer.Option("--yes", help="Do not ask before starting.")]
Resume = Annotated[str | None, typer.Option("--resume", help="Continue operation ID.")]
CancelRuns = Annotated[bool, typer.Option("--cancel-runs", help="Cancel runs of fenced jobs.")]
DrainTimeout = Annotated[
    int | None,
    typer.Option("--drain-timeout", help="Wait this long for runs (10m).", parser=params.duration),
]
SyncConfig = Annotated[
    bool, typer.Option("--sync-config", help="Sync workspace configuration first.")
]


def asker(yes: bool) -> Callable[[Planned], bool] | None:
    """Ask once before starting, on a terminal, unless --yes (or --json)."""
    return None if (yes or flags().json or not sys.stdin.isatty()) else _confirm


def render_outcome(result: Planned | Journal, *, dry_run: bool) -> None:
    """The plan (dry run, or not confirmed), else the operation's report."""
    if isinstance(result, Planned):
        doc = _plan_doc(result, dry_run=dry_run)
        emit(doc, lambda c: render_plan(c, doc))
        return
    report = result.report or {}
    emit(report, lambda c: render_report(c, report))


def _plan_doc(planned: Planned, *, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "started": False,
        "kind": planned.kind,
        "mode": planned.options.mode,
        "source": planned.options.source,
        "target": planned.options.target,
        "steps": [{"name": s.name, "plan": s.lines} for s in planned.steps],
    }


def _confirm(planned: Planned) -> bool:
    render_plan(error_console(), _plan_doc(planned, dry_run=False))
    return typer.confirm(f"Start this {planned.options.mode} {planned.kind}?", err=True)


def progress(event: Event) -> None:
    record = event.record
    if event.kind == "started":
        error_console().print(f"[cyan]…[/] {record.name}")
    else:
        mark = "[green]✓[/]" if event.kind == "done" else "[red]✗[/]"
        error_console().print(
            f"{mark} {record.name} ({record.seconds} s): {record.outcome}", soft_wrap=True
        )


def render_plan(c: Console, doc: dict[str, Any]) -> None:
    c.print(f"[bold]{doc['mode']} {doc['kind']}[/]: {doc['source']} -> {doc['target']}")
    for number, step in enumerate(doc["steps"], 1):
        c.print(f"{number:>2}. [bold]{step['name']}[/]")
        for line in step["plan"]:
            c.print(f"      {line}", soft_wrap=True)
    if doc["dry_run"]:
        c.print("dry run: nothing was changed")


def render_report(c: Console, report: dict[str, Any]) -> None:
    c.print(
        f"[bold]{report.get('mode')} {report.get('kind')}[/] {report.get('operation_id')}: "
        f"{report.get('source')} -> {report.get('target')}, RTO {report.get('rto_seconds')} s "
        f"(of which {report.get('waiting_on_workspace_seconds')} s waiting on workspace runs)"
    )
    steps = Table("step", "seconds", "outcome")
    for s in report.get("steps", []):
        steps.add_row(s["name"], str(s["seconds"]), s["outcome"])
    c.print(steps)
    tables = Table("table", "final version", "RPO (s)", "lost versions", "proof / note")
    for t in report.get("tables", []):
        lost = ", ".join(map(str, t.get("lost_versions") or [])) or "-"
        tables.add_row(
            t["name"],
            str(t["final_version"]),
            _rpo(t),
            lost,
            t.get("proof") or t.get("note", ""),
        )
    c.print(tables)


def _rpo(table: dict[str, Any]) -> str:
    """The measured RPO; after a forced failover also its bound (to the failover's start)."""
    bound = table.get("rpo_bound_seconds")
    measured = str(table["rpo_seconds"])
    return measured if bound is None else f"{measured} (at most {bound})"


@operations_app.command("list")
def list_cmd(
    kind: Annotated[
        str | None, typer.Option("--kind", help="failover, failback, drill, ...")
    ] = None,
) -> None:
    """Every operation in the journal, oldest first."""
    journals = list_journals(home(current_config()).home, kind=kind)
    doc = [_summary(j) for j in journals]
    emit(doc, lambda c: _render_list(c, doc))


def _summary(j: Journal) -> dict[str, Any]:
    current = j.first_unfinished()
    return {
        "operation_id": j.operation_id,
        "kind": j.kind,
        "mode": j.args.get("mode"),
        "status": j.status,
        "created_ms": j.created_ms,
        "ended_ms": j.ended_ms,
        "stopped_at": current.name if current and j.status != "done" else None,
        "rto_seconds": (j.report or {}).get("rto_seconds"),
    }


def _render_list(c: Console, doc: list[dict[str, Any]]) -> None:
    table = Table("operation", "kind", "status", "started", "stopped at", "RTO (s)")
    for o in doc:
        table.add_row(
            o["operation_id"],
            f"{o['kind']} {o['mode'] or ''}",
            o["status"],
            fmt_ms(o["created_ms"]),
            o["stopped_at"] or "-",
            str(o["rto_seconds"] or "-"),
        )
    c.print(table)


@operations_app.command("show")
def show_cmd(operation_id: Annotated[str, typer.Argument(help="The operation's id.")]) -> None:
    """One operation's journal: its steps, what each changed, and its report."""
    journal = load(home(current_config()).home, operation_id)
    doc = asdict(journal)
    emit(doc, lambda c: _render_journal(c, journal))


def _render_journal(c: Console, j: Journal) -> None:
    c.print(f"[bold]{j.operation_id}[/] {j.kind} {j.args.get('mode', '')}: {j.status}")
    table = Table("step", "status", "started", "seconds", "outcome")
    for s in j.steps:
        table.add_row(s.name, s.status, fmt_ms(s.started_ms), str(s.seconds or "-"), s.outcome)
    c.print(table)
    if j.report:  # a drill's report is a drill report
        (render_drill if j.kind == "drill" else render_report)(c, j.report)
