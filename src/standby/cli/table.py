"""`standby table history | restore | clone`: the DR guide's section 3.1, without a cluster."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from standby.cli import params
from standby.cli.lazy import lazy_module
from standby.cli.output import emit, fmt_bytes, fmt_ms
from standby.cli.progress import copy_progress

if TYPE_CHECKING:
    from standby import tables
    from standby.tables import CloneResult, HistoryEntry, RestoreResult
else:  # `table ... --help` and start-up do not wait for deltalake and pyarrow
    tables = lazy_module("standby.tables")

app = typer.Typer(help="Delta table history, restore and clone.", no_args_is_help=True)

Uri = Annotated[
    str, typer.Argument(help="Table URI: a path, file://, s3://, az://, abfss://, gs://")
]
Version = Annotated[int | None, typer.Option("--version", help="A version number.", min=0)]
Timestamp = Annotated[
    str | None,
    typer.Option("--timestamp", help="A time: ISO 8601 (UTC if no zone) or ms since epoch."),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing.")]


@app.command("history")
def history_cmd(
    uri: Uri,
    limit: Annotated[int | None, typer.Option("--limit", help="At most N versions.", min=1)] = None,
) -> None:
    """The table's versions, newest first (DESCRIBE HISTORY)."""
    entries = tables.history(uri, limit=limit)
    emit(entries, lambda c: render_history(c, entries))


def render_history(c: Console, entries: list[HistoryEntry]) -> None:
    # Metrics stay in --json: four columns are what fits a terminal.
    t = Table(title="history", title_justify="left")
    t.add_column("version", justify="right")
    t.add_column("timestamp (UTC)")
    t.add_column("operation")
    t.add_column("parameters")
    for e in entries:
        t.add_row(
            str(e.version),
            fmt_ms(e.timestamp),
            e.operation or "-",
            _compact(e.operation_parameters, max(20, c.width - 60)),
        )
    c.print(t)


def _compact(values: dict[str, object], limit: int = 80) -> str:
    text = json.dumps(values, separators=(",", ":")) if values else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@app.command("restore")
def restore_cmd(
    uri: Uri, version: Version = None, timestamp: Timestamp = None, dry_run: DryRun = False
) -> None:
    """Restore the table to an older version (RESTORE TABLE ... TO VERSION/TIMESTAMP AS OF)."""
    result = tables.restore(uri, version=version, timestamp=timestamp, dry_run=dry_run)
    emit(result, lambda c: render_restore(c, result))


def render_restore(c: Console, r: RestoreResult) -> None:
    if r.dry_run:
        c.print(
            f"[bold]dry run[/]: restoring to version {r.restored_to} would remove "
            f"{r.num_removed_files} file(s) ({fmt_bytes(r.removed_files_size)}) and restore "
            f"{r.num_restored_files} file(s) ({fmt_bytes(r.restored_files_size)}). "
            "Nothing was written."
        )
    elif r.new_version is None:
        c.print(f"The table already reads as version {r.restored_to}: nothing to do.")
    else:
        c.print(
            f"Restored to version {r.restored_to} as new version {r.new_version}: "
            f"removed {r.num_removed_files} file(s), restored {r.num_restored_files}."
        )


@app.command("clone")
def clone_cmd(
    source: Annotated[str, typer.Argument(help="Source table URI.")],
    target: Annotated[
        str,
        typer.Argument(help="Target URI (empty, or a clone with --replace).", parser=params.target),
    ],
    shallow: Annotated[
        bool, typer.Option("--shallow", help="Copy no data; point at the source.")
    ] = False,
    version: Version = None,
    timestamp: Timestamp = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Re-clone into an existing clone, copying only what it lacks."
        ),
    ] = False,
    dry_run: DryRun = False,
) -> None:
    """Deep or shallow clone of a table at a version (CLONE ... VERSION AS OF)."""
    with copy_progress("copying") as progress:
        result = tables.clone(
            source,
            target,
            shallow=shallow,
            version=version,
            timestamp=timestamp,
            replace=replace,
            dry_run=dry_run,
            progress=progress,
        )
    emit(result, lambda c: render_clone(c, result))


def render_clone(c: Console, r: CloneResult) -> None:
    kind = "shallow" if r.shallow else "deep"
    if r.dry_run:
        c.print(
            f"[bold]dry run[/]: a {kind} clone of {r.source} at version {r.source_version} "
            f"would copy {r.num_copied_files} file(s) ({fmt_bytes(r.copied_bytes)}), add "
            f"{r.num_added_files} and remove {r.num_removed_files} file action(s). "
            "Nothing was written."
        )
        return
    c.print(
        f"{kind.capitalize()} clone of {r.source} at version {r.source_version} -> "
        f"{r.target} version {r.target_version}: copied {r.num_copied_files} file(s) "
        f"({fmt_bytes(r.copied_bytes)}); source has {r.source_num_of_files} file(s), "
        f"{fmt_bytes(r.source_table_size)}."
    )
