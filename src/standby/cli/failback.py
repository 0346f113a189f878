"""`standby reprotect`, `standby failback` and `standby orphaned show | export`: the DR
guide's section 5.2, with the old primary's divergence rewound and reported."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from standby.cli.context import current_config
from standby.cli.failover import (
    _plan_doc,
    _progress,
    _seconds,
    render_plan,
    render_report,
)
from standby.cli.output import emit, error_console, flags, fmt_ms
from standby.failover.failback import failback, reprotect
from standby.failover.orphaned import export, manifests
from standby.failover.service import FailoverRequest, Planned
from standby.operations.journal import Journal

orphaned_app = typer.Typer(help="Commits a reprotect moved aside: the data a forced failover lost.")

DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing.")]
SyncConfig = Annotated[
    bool, typer.Option("--sync-config", help="Sync workspace configuration back.")
]
Force = Annotated[
    bool,
    typer.Option("--force", help="Reprotect a split brain (both sites primary at one epoch)."),
]


def _render(result: Planned | Journal, *, dry_run: bool, kind: str) -> None:
    if isinstance(result, Planned):
        doc = _plan_doc(result, dry_run=dry_run, kind=kind)
        emit(doc, lambda c: render_plan(c, doc))
        return
    report = result.report or {}
    emit(report, lambda c: render_report(c, report))


def _confirm(planned: Planned) -> bool:
    render_plan(error_console(), _plan_doc(planned, dry_run=False, kind="failback"))
    return typer.confirm("Start this failback?", err=True)


def reprotect_cmd(
    dry_run: DryRun = False,
    sync_config: SyncConfig = False,
    force: Force = False,
    resume: Annotated[str | None, typer.Option("--resume", help="Continue operation ID.")] = None,
) -> None:
    """Make the old primary a replica of the current one: find each table's fork, move
    the old primary's later commits aside (never deleted), replicate back from the fork."""
    request = FailoverRequest(sync_config=sync_config, force=force, resume=resume)
    result = reprotect(current_config(), request, dry_run=dry_run, on_event=_progress)
    _render(result, dry_run=dry_run, kind="reprotect")


def failback_cmd(
    dry_run: DryRun = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before starting.")] = False,
    sync_config: SyncConfig = False,
    force: Force = False,
    cancel_runs: Annotated[
        bool, typer.Option("--cancel-runs", help="Cancel runs of fenced jobs.")
    ] = False,
    drain_timeout: Annotated[
        str | None, typer.Option("--drain-timeout", help="Wait this long for runs (10m).")
    ] = None,
    resume: Annotated[str | None, typer.Option("--resume", help="Continue operation ID.")] = None,
) -> None:
    """Reprotect if needed, then fail over back with no commit lost; the other site becomes
    a replica again and replication resumes without reseeding."""
    request = FailoverRequest(
        sync_config=sync_config,
        force=force,
        cancel_runs=cancel_runs,
        drain_timeout=_seconds(drain_timeout, "--drain-timeout"),
        resume=resume,
    )
    ask = None if (yes or flags().json or not sys.stdin.isatty()) else _confirm
    result = failback(current_config(), request, dry_run=dry_run, on_event=_progress, confirm=ask)
    _render(result, dry_run=dry_run, kind="failback")


Table_ = Annotated[
    str, typer.Argument(help="A protected table: its Unity Catalog name or location.")
]


Site = Annotated[
    str | None,
    typer.Option("--site", help="The site that was the old primary (default: the primary)."),
]


@orphaned_app.command("show")
def show_cmd(table: Table_, site: Site = None) -> None:
    """The orphaned commits of a table: versions, operations, times, files, rows."""
    found = manifests(current_config(), table, site=site)
    doc = [asdict(m) for m in found]
    emit(doc, lambda c: _render_manifests(c, doc))


def _render_manifests(c: Console, doc: list[dict[str, Any]]) -> None:
    if not doc:
        c.print("no orphaned writes")
    for m in doc:
        c.print(f"[bold]{m['operation_id']}[/]: fork at v{m['fork']}")
        table = Table("version", "operation", "committed", "rows", "files added")
        for commit in m["commits"]:
            table.add_row(
                str(commit["version"]),
                commit["operation"] or "-",
                fmt_ms(commit["timestamp_ms"]),
                str(commit["rows"] if commit["rows"] is not None else "-"),
                str(len(commit["added_files"])),
            )
        c.print(table)


@orphaned_app.command("export")
def export_cmd(
    table: Table_,
    to: Annotated[str, typer.Option("--to", help="Where to write the readable copy (empty).")],
    operation: Annotated[str | None, typer.Option("--operation", help="Which reprotect's.")] = None,
    site: Site = None,
    dry_run: DryRun = False,
) -> None:
    """Deep-clone the old primary as it stood at its orphaned head into a new table."""
    config = current_config()
    result = export(config, table, to, operation_id=operation, site=site, dry_run=dry_run)
    line = (
        f"exported v{result.source_version} of {table} to {result.target} "
        f"({result.num_copied_files} files copied)"
    )
    emit(result, lambda c: c.print(line))
