"""`standby reprotect`, `standby failback` and `standby orphaned show | export`: the DR
guide's section 5.2, with the old primary's divergence rewound and reported."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from standby.cli.context import current_config
from standby.cli.operations import (
    CancelRuns,
    DrainTimeout,
    DryRun,
    Resume,
    Yes,
    asker,
    progress,
    render_outcome,
)
from standby.cli.output import emit, fmt_ms
from standby.failover.failback import failback, reprotect
from standby.failover.orphaned import export, manifests
from standby.failover.service import FailoverRequest

orphaned_app = typer.Typer(help="Commits a reprotect moved aside: the data a forced failover lost.")

SyncConfig = Annotated[
    bool, typer.Option("--sync-config", help="Sync workspace configuration back.")
]
Force = Annotated[
    bool,
    typer.Option("--force", help="Reprotect a split brain (both sites primary at one epoch)."),
]


def reprotect_cmd(
    dry_run: DryRun = False,
    sync_config: SyncConfig = False,
    force: Force = False,
    resume: Resume = None,
) -> None:
    """Make the old primary a replica of the current one: find each table's fork, move
    the old primary's later commits aside (never deleted), replicate back from the fork."""
    request = FailoverRequest(sync_config=sync_config, force=force, resume=resume)
    result = reprotect(current_config(), request, dry_run=dry_run, on_event=progress)
    render_outcome(result, dry_run=dry_run)


def failback_cmd(
    dry_run: DryRun = False,
    yes: Yes = False,
    sync_config: SyncConfig = False,
    force: Force = False,
    cancel_runs: CancelRuns = False,
    drain_timeout: DrainTimeout = None,
    resume: Resume = None,
) -> None:
    """Reprotect if needed, then fail over back with no commit lost; the other site becomes
    a replica again and replication resumes without reseeding."""
    request = FailoverRequest(
        sync_config=sync_config,
        force=force,
        cancel_runs=cancel_runs,
        drain_timeout=drain_timeout,
        resume=resume,
    )
    result = failback(
        current_config(), request, dry_run=dry_run, on_event=progress, confirm=asker(yes)
    )
    render_outcome(result, dry_run=dry_run)


Table_ = Annotated[
    str, typer.Argument(help="A protected table: its Unity Catalog name or location.")
]


@orphaned_app.command("show")
def show_cmd(table: Table_) -> None:
    """The orphaned commits of a table: versions, operations, times, files, rows."""
    found = manifests(current_config(), table)
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
    dry_run: DryRun = False,
) -> None:
    """Deep-clone the old primary as it stood at its orphaned head into a new table."""
    result = export(current_config(), table, to, operation_id=operation, dry_run=dry_run)
    line = (
        f"exported v{result.source_version} of {table} to {result.target} "
        f"({result.num_copied_files} files copied)"
    )
    emit(result, lambda c: c.print(line))
