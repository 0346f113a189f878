"""`standby drill --level L [--live] [--report FILE] [--dry-run]`, `standby drill history`
and `standby drill schedule`: the DR guide's section 6, measured, journaled, reported."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from standby.cli.backup import Emit
from standby.cli.context import config_path, current_config
from standby.cli.output import artifact, emit, error_console, fmt_ms
from standby.config import Config
from standby.drill.history import history_store, records, safe_level_status
from standby.drill.render import format_of, render_report, secs
from standby.drill.report import with_trend
from standby.drill.schedule import chosen_levels, drill_bundle, drill_crontab, drill_jobs
from standby.drill.service import DrillPlan, DrillRequest, drill, unfinished_drill
from standby.errors import BadInput
from standby.operations.clock import SystemClock
from standby.operations.runner import Event
from standby.scheduling import DEFAULT_SPARK_VERSION, DEFAULT_WORKSPACE_CONFIG, standby_executable
from standby.site_options import options_by_url

app = typer.Typer(
    help="DR drills: basic, intermediate, full (test failover, or --live), with a report.",
    invoke_without_command=True,
)
LevelOpt = Annotated[
    str | None, typer.Option("--level", help="basic, intermediate or full.", show_default=False)
]


@app.callback()
def drill_cmd(
    ctx: typer.Context,
    level: LevelOpt = None,
    live: Annotated[
        bool, typer.Option("--live", help="full: a real planned failover and failback.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the report: .html, .md or .json.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; run nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before a --live drill.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Take over a stale lease of another host.")
    ] = False,
) -> None:
    """Run a DR drill at --level (its checks measured and journaled, its clean-up always
    finished); exit 1 naming each failed check."""
    if ctx.invoked_subcommand is not None:
        return
    if level is None:
        raise BadInput("Give --level basic, intermediate or full.", hint="`standby drill --help`.")
    if report is not None:
        format_of(report)  # a bad suffix is refused before anything runs
    config = current_config()
    request = DrillRequest(level=level, live=live, force=force)  # type: ignore[arg-type]
    if live and not dry_run and not yes and sys.stdin.isatty():
        typer.confirm("A live drill fails over to DR and back for real. Start it?", abort=True)
    pending = None if dry_run else unfinished_drill(config)
    if pending is not None:
        error_console().print(
            f"finishing drill {pending.operation_id} ({pending.args.get('level')}) first; "
            "run again for a new drill"
        )
    result = drill(config, request, dry_run=dry_run, on_event=_progress)
    if isinstance(result, DrillPlan):
        doc = _plan_doc(result)
        emit(doc, lambda c: _render_plan(c, doc))
        return
    if report is not None:
        report.write_text(render_report(result.report, format_of(report)))
        error_console().print(f"report written to {report}")
    emit(result.report, lambda c: render(c, result.report))
    result.check()


def _progress(event: Event) -> None:
    record = event.record
    if event.kind == "started":
        return
    failed = event.kind == "failed" or record.outcome.startswith("FAIL")
    mark = "[red]✗[/]" if failed else "[green]✓[/]"
    error_console().print(
        f"{mark} {record.name} ({record.seconds} s): {record.outcome}",
        soft_wrap=True,
        markup=True,
        highlight=False,
    )


def _plan_doc(planned: DrillPlan) -> dict[str, Any]:
    return {
        "dry_run": True,
        "level": planned.options.level,
        "live": planned.options.live,
        "source": planned.options.source,
        "target": planned.options.target,
        "finishes_first": planned.resumes,
        "steps": [{"name": s.name, "plan": s.lines} for s in planned.steps],
    }


def _render_plan(c: Console, doc: dict[str, Any]) -> None:
    live = " (live)" if doc["live"] else ""
    c.print(f"[bold]{doc['level']}{live} drill[/]: {doc['source']} -> {doc['target']}")
    if doc["finishes_first"]:
        c.print(f"a run would first finish drill {doc['finishes_first']}")
    for number, step in enumerate(doc["steps"], 1):
        c.print(f"{number:>2}. [bold]{step['name']}[/]")
        for line in step["plan"]:
            c.print(f"      {line}", soft_wrap=True, markup=False)
    c.print("dry run: nothing was run")


def render(c: Console, r: dict[str, Any]) -> None:
    """A drill report on the terminal."""
    verdict = "[green]PASSED[/]" if r["ok"] else "[red]FAILED[/]"
    live = " (live)" if r.get("live") else ""
    c.print(
        f"[bold]{r['level']}{live} drill[/] {r['drill_id']} {verdict} in {secs(r['seconds'])}: "
        f"{r['source']} -> {r['target']}; RTO {secs(r['rto_seconds'])} "
        f"({r['rto_measured_as']}), RPO {secs(r['rpo_seconds'])}",
        soft_wrap=True,
    )
    checks = Table("check", "result", "s", "detail")
    for k in r["checks"]:
        result = "skipped" if k["skipped"] else "[green]ok[/]" if k["ok"] else "[red]FAILED[/]"
        checks.add_row(k["name"], result, str(k["seconds"]), k["detail"])
    c.print(checks)
    tiers = Table("tier", "RPO target", "RPO measured", "RTO target", "RTO measured")
    for t in r["tiers"]:
        tiers.add_row(
            t["name"],
            secs(t["rpo_target_seconds"]),
            secs(t["rpo_seconds"]),
            secs(t["rto_target_seconds"]),
            secs(t["rto_seconds"]),
        )
    c.print(tiers)
    trend = r.get("trend") or {}
    if trend:
        c.print(
            f"trend over {len(trend['drills'])} {r['level']} drill(s): RTO "
            f"{trend['rto']['direction']}, RPO {trend['rpo']['direction']}"
        )
    for f in r["failed"]:
        c.print(f"[red]✗ {f['name']}[/]: {f['detail']}\n    more: {f['command']}", soft_wrap=True)


@app.command("history")
def history_cmd(level: LevelOpt = None) -> None:
    """Every drill, oldest first, with the trend of each level's measured RTO and RPO."""
    config = current_config()
    with options_by_url(config.storage_options_for):
        found = records(history_store(config), level=level)
    shown = [with_trend(r, found) for r in found]
    emit({"drills": shown}, lambda c: _render_history(c, shown))


def _render_history(c: Console, shown: list[dict[str, Any]]) -> None:
    if not shown:
        c.print("No drills yet: `standby drill --level basic` runs the first.")
        return
    table = Table("drill", "level", "started", "result", "RTO", "RPO", "failed", "trend RTO / RPO")
    for r in shown:
        table.add_row(
            r["drill_id"],
            r["level"] + (" live" if r.get("live") else ""),
            fmt_ms(r["started_ms"]),
            "[green]passed[/]" if r["ok"] else "[red]failed[/]",
            secs(r["rto_seconds"]),
            secs(r["rpo_seconds"]),
            ", ".join(f["name"] for f in r["failed"]) or "-",
            f"{r['trend']['rto']['direction']} / {r['trend']['rpo']['direction']}",
        )
    c.print(table)


@app.command("schedule")
def schedule_cmd(
    emit_as: Annotated[
        Emit, typer.Option("--emit", help="databricks-job (Jobs API JSON), bundle, cron.")
    ] = Emit.databricks_job,
    level: LevelOpt = None,
    job_config: Annotated[
        str | None,
        typer.Option(
            "--job-config", help=f"standby.yml as the job sees it ({DEFAULT_WORKSPACE_CONFIG})."
        ),
    ] = None,
    node_type: Annotated[str | None, typer.Option("--node-type", help="Cluster node type.")] = None,
    spark_version: Annotated[str, typer.Option("--spark-version")] = DEFAULT_SPARK_VERSION,
    timezone: Annotated[str, typer.Option("--timezone", help="Of the schedule.")] = "UTC",
    wheel: Annotated[str | None, typer.Option("--wheel", help="standby's wheel, not PyPI.")] = None,
) -> None:
    """The jobs (or crontab lines) that run each level's drill on its frequency."""
    config = current_config()
    levels = chosen_levels(level)
    if emit_as is Emit.cron:
        path = job_config or str(config_path().resolve())
        text = drill_crontab(
            config, levels, config_path=path, command=standby_executable(), timezone=timezone
        )
        artifact(emit_as.value, text, {"lines": text.splitlines()})
        return
    jobs = drill_jobs(
        config,
        levels,
        config_path=job_config or DEFAULT_WORKSPACE_CONFIG,
        spark_version=spark_version,
        node_type=node_type,
        timezone=timezone,
        wheel=wheel,
    )
    if emit_as is Emit.bundle:
        artifact(emit_as.value, drill_bundle(jobs), {"jobs": jobs})
        return
    if len(jobs) > 1:  # one Jobs API body per level, in a JSON array
        artifact(emit_as.value, json.dumps(list(jobs.values()), indent=2), {"jobs": jobs})
        return
    job = next(iter(jobs.values()))
    artifact(emit_as.value, json.dumps(job, indent=2), {"job": job})


def drill_status(config: Config) -> list[dict[str, Any]] | dict[str, str]:
    """`standby status`'s drill lines: per level, the last drill, its result, when due."""
    with options_by_url(config.storage_options_for):
        found = safe_level_status(config, now_ms=SystemClock().now_ms())
    return {"error": found} if isinstance(found, str) else [vars(s) for s in found]


def render_drills(c: Console, lines: list[dict[str, Any]] | dict[str, str]) -> None:
    if isinstance(lines, dict):
        c.print(f"drills: the history cannot be read now: {lines['error']}", soft_wrap=True)
        return
    table = Table("drill level", "every", "last drill", "result", "due", title_justify="left")
    for d in lines:
        result = "-" if d["ok"] is None else "[green]passed[/]" if d["ok"] else "[red]failed[/]"
        due = "[red]OVERDUE[/]" if d["overdue"] else fmt_ms(d["due_ms"])[:16]
        table.add_row(d["level"], d["frequency"], d["last_drill"] or "never", result, due)
    c.print(table)
