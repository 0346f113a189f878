"""`standby backup run | list | verify | prune | restore | schedule` (DR guide section 3.3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from standby.backup import (
    BackupRestore,
    Catalog,
    PruneResult,
    RunResult,
    VerifyResult,
    backup_roots,
    policy_targets,
    prune,
    restore_backup,
    run_backups,
    verify_backups,
)
from standby.backup.catalog import ListedBackup, list_backups
from standby.backup.schedule import (
    DEFAULT_SPARK_VERSION,
    DEFAULT_WORKSPACE_CONFIG,
    bundle_resources,
    check_timezone,
    crontab,
    job_definition,
    standby_executable,
)
from standby.cli import params
from standby.cli.context import config_path, current_config
from standby.cli.engine import EngineOpt, SparkMasterOpt, copy_executor
from standby.cli.output import artifact, emit, fmt_bytes, fmt_ms
from standby.cli.progress import copy_progress
from standby.config import Config
from standby.errors import BadInput, ProblemFound

app = typer.Typer(
    help="Backups by clone: run, list, verify, prune (retention), restore, schedule.",
    no_args_is_help=True,
)

PolicyOpt = Annotated[
    str | None, typer.Option("--policy", help="Only this policy (default: every policy).")
]
TableOpt = Annotated[str | None, typer.Option("--table", help="Only this table (name or URI).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing.")]


def catalogs(config: Config, policy: str | None = None) -> list[Catalog]:
    return [Catalog(root) for root in backup_roots(config, policy=policy)]


@app.command("run")
def run_cmd(
    policy: PolicyOpt = None,
    tables: Annotated[
        list[str] | None,
        typer.Option(
            "--tables", help="Only these tables (names or URIs; repeat or comma-separate)."
        ),
    ] = None,
    dry_run: DryRun = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
) -> None:
    """Back up each table of the policies now, at its latest version."""
    wanted = [t.strip() for group in tables or [] for t in group.split(",") if t.strip()]
    config = current_config()
    targets = policy_targets(config, policy=policy, tables=wanted or None)
    with (
        copy_executor(engine, spark_master, config=config) as executor,
        copy_progress("backing up") as progress,
    ):
        result = run_backups(targets, dry_run=dry_run, executor=executor, progress=progress)
    emit(result, lambda c: render_run(c, result))
    result.check()


def render_run(c: Console, r: RunResult) -> None:
    title = f"backup run {r.run_id}" + (" (dry run: nothing written)" if r.dry_run else "")
    rows = [
        [
            b.id,
            b.kind,
            str(b.source_version),
            f"{b.copied_files} / {fmt_bytes(b.copied_bytes)}",
            b.table,
        ]
        for b in r.backups
    ]
    c.print(_table(title, ["id", "kind", ">ver", ">copied", "table"], rows))
    for f in r.failures:
        c.print(f"[bold red]failed[/]: {f.table} (policy {f.policy}): {f.error}", soft_wrap=True)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    """A compact table where only the 'table' column gives way on a narrow terminal."""
    t = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for i, col in enumerate(columns):
        name = col.lstrip(">")
        widest = max([len(name)] + [len(Text.from_markup(r[i]).plain) for r in rows])
        t.add_column(
            name,
            justify="right" if col.startswith(">") else "left",
            no_wrap=True,
            overflow="ellipsis",
            min_width=min(widest, 12) if name == "table" else widest,
        )
    for r in rows:
        t.add_row(*r)
    return t


@app.command("list")
def list_cmd(table: TableOpt = None, policy: PolicyOpt = None) -> None:
    """The backup catalog, oldest first."""
    found = list_backups(catalogs(current_config(), policy), table=table, policy=policy)
    emit(found, lambda c: render_list(c, found))


STATES = {"verified": "[green]ok[/]", "broken": "[bold red]broken[/]"}


def render_list(c: Console, backups: list[ListedBackup]) -> None:
    if not backups:
        c.print("No backups.")
    by_table: dict[str, list[ListedBackup]] = {}
    for b in backups:
        by_table.setdefault(b.table, []).append(b)
    for table, group in by_table.items():
        rows = [
            [
                b.id, b.kind, str(b.source_version), fmt_ms(b.source_commit_time)[:16],
                fmt_bytes(b.size_bytes), STATES[b.state],
            ]
            for b in group
        ]  # fmt: skip
        columns = ["id", "kind", ">ver", "committed (UTC)", ">size", "state"]
        c.print(_table(table, columns, rows))


@app.command("verify")
def verify_cmd(
    read_data: Annotated[
        bool, typer.Option("--read-data", help="Also read every data file and deletion vector.")
    ] = False,
    policy: PolicyOpt = None,
    table: TableOpt = None,
) -> None:
    """Check each backup can be restored: its files present at the logged sizes (exit 1 if not)."""
    config = current_config()
    result = verify_backups(
        catalogs(config, policy), policy=policy, table=table, read_data=read_data
    )
    emit(result, lambda c: render_verify(c, result))
    if not result.ok:
        raise ProblemFound(f"{len(result.broken)} of {len(result.backups)} backup(s) are broken.")


def render_verify(c: Console, r: VerifyResult) -> None:
    how = "files read" if r.read_data else "files present, sizes"
    c.print(f"Checked {len(r.backups)} backup(s) ({how}): {len(r.broken)} broken.")
    for b in r.broken:
        c.print(
            f"[bold red]broken[/]: {b.id} {b.table} ({b.kind}, source version "
            f"{b.source_version}): {len(b.problems)} problem(s)",
            soft_wrap=True,
        )
        for p in b.problems[:5]:
            c.print(f"    {p.kind}: {p.path}: {p.detail}", soft_wrap=True)


@app.command("prune")
def prune_cmd(
    policy: PolicyOpt = None,
    dry_run: DryRun = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Delete even when a table would keep no backup at all."),
    ] = False,
) -> None:
    """Apply the retention: delete whole backups it does not keep, and killed runs' leftovers."""
    config = current_config()
    chosen = [config.policy(policy)] if policy else config.backups.policies
    if not chosen:
        raise BadInput("standby.yml has no backup policies.")
    results = [prune(p, config.backup_location(p), dry_run=dry_run, force=force) for p in chosen]
    emit({"dry_run": dry_run, "policies": results}, lambda c: render_prune(c, results))


def render_prune(c: Console, results: list[PruneResult]) -> None:
    for r in results:
        verb = "would delete" if r.dry_run else "deleted"
        parts = [f"kept {len(r.kept)} backup(s)", f"{verb} {len(r.deleted)}"]
        if r.leftovers:
            parts.append(f"{len(r.leftovers)} leftover(s) of killed runs")
        if r.swept:
            parts.append(f"{sum(len(s.files) for s in r.swept)} unused incremental file(s)")
        c.print(
            f"Policy [bold]{r.policy}[/] ({r.root}): {', '.join(parts)}; "
            f"{fmt_bytes(r.deleted_bytes)}.",
            soft_wrap=True,
        )
        for d in r.deleted:
            c.print(f"  {verb}  {d.id}  {d.table}", soft_wrap=True)
        for x in r.leftovers:
            c.print(f"  {verb}  {x.backup_id}  leftover of run {x.run_id}, {x.files} file(s)")
        for k in r.kept:
            c.print(f"  kept  {k.id}  {k.table}: {', '.join(k.reasons)}", soft_wrap=True)
        if r.live_runs:
            c.print(f"  left alone: run(s) {', '.join(r.live_runs)} may still be writing")
        if r.dry_run:
            c.print("[bold]dry run[/]: nothing was deleted.")


@app.command("restore")
def restore_cmd(
    backup_id: Annotated[
        str, typer.Argument(metavar="ID", help="A backup id (see `backup list`).")
    ],
    to: Annotated[
        str,
        typer.Option(
            "--to", help="The table to restore into (a URI or path).", parser=params.target
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Restore into an existing table as a new version."),
    ] = False,
    dry_run: DryRun = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
) -> None:
    """Restore a backup to a new table (or into an existing one with --replace)."""
    config = current_config()
    found = catalogs(config)
    with (
        copy_executor(engine, spark_master, config=config) as executor,
        copy_progress("restoring") as progress,
    ):
        result = restore_backup(
            found,
            backup_id,
            to,
            replace=replace,
            dry_run=dry_run,
            executor=executor,
            progress=progress,
        )
    emit(result, lambda c: render_restore(c, result))


def render_restore(c: Console, r: BackupRestore) -> None:
    what = f"backup {r.id} of {r.table} (source version {r.source_version})"
    if r.dry_run:
        c.print(
            f"[bold]dry run[/]: restoring {what} to {r.target} would copy "
            f"{r.clone.num_copied_files} file(s) ({fmt_bytes(r.clone.copied_bytes)}). "
            "Nothing was written.",
            soft_wrap=True,
        )
        return
    c.print(
        f"Restored {what} to {r.target} version {r.target_version}: copied "
        f"{r.clone.num_copied_files} file(s) ({fmt_bytes(r.clone.copied_bytes)}).",
        soft_wrap=True,
    )


class Emit(StrEnum):
    databricks_job = "databricks-job"
    bundle = "bundle"
    cron = "cron"


EmitOpt = Annotated[
    Emit,
    typer.Option("--emit", help="databricks-job (Jobs API JSON), bundle (databricks.yml), cron."),
]
JobConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--job-config",
        help=f"standby.yml as the job sees it (default: {DEFAULT_WORKSPACE_CONFIG}; "
        "for cron, this config's path).",
    ),
]
NodeTypeOpt = Annotated[str | None, typer.Option("--node-type", help="Cluster node type.")]
TimezoneOpt = Annotated[
    str,
    typer.Option(
        "--timezone",
        help="Of the schedule (a job's, or cron's CRON_TZ).",
        parser=check_timezone,  # before standby.yml is read: a typo is found first
    ),
]
WheelOpt = Annotated[
    str | None, typer.Option("--wheel", help="standby's wheel (a volume path), not PyPI.")
]


@app.command("schedule")
def schedule_cmd(
    emit_as: EmitOpt = Emit.databricks_job,
    policy: PolicyOpt = None,
    job_config: JobConfigOpt = None,
    node_type: NodeTypeOpt = None,
    spark_version: Annotated[str, typer.Option("--spark-version")] = DEFAULT_SPARK_VERSION,
    timezone: TimezoneOpt = "UTC",
    wheel: WheelOpt = None,
) -> None:
    """The job that runs `backup run` and `backup prune` on each policy's schedule."""
    config = current_config()
    chosen = [config.policy(policy)] if policy else config.backups.policies
    if not chosen:
        raise BadInput("standby.yml has no backup policies.")
    if emit_as is Emit.cron:
        path = job_config or str(config_path().resolve())
        text = crontab(chosen, config_path=path, command=standby_executable(), timezone=timezone)
        artifact(emit_as.value, text, {"lines": text.splitlines()})
        return
    notify = [c.contact for c in config.contacts if "@" in c.contact]
    jobs = {
        p.name: job_definition(
            p,
            root=config.backup_location(p),
            config_path=job_config or DEFAULT_WORKSPACE_CONFIG,
            spark_version=spark_version,
            node_type=node_type,
            timezone=timezone,
            wheel=wheel,
            notify=notify,
        )
        for p in chosen
    }
    if emit_as is Emit.bundle:
        artifact(emit_as.value, bundle_resources(jobs), {"jobs": jobs})
        return
    if len(jobs) > 1:
        raise BadInput(
            f"A Jobs API definition is one job; there are {len(jobs)} policies "
            f"({', '.join(jobs)}).",
            hint="Choose one with --policy, or use --emit bundle for all of them.",
        )
    job = next(iter(jobs.values()))
    artifact(emit_as.value, json.dumps(job, indent=2), {"job": job})


# What the demo's narrator shows for each kind of backup result.
RENDERERS: dict[str, Callable[[Console, Any], None]] = {
    "backup-run": render_run,
    "backup-list": render_list,
    "backup-verify": render_verify,
    "backup-prune": render_prune,
    "backup-restore": render_restore,
}
