"""A drill's report, built from its journal and nothing else (invariant 17): each check's
verdict and measured seconds, each step's timing, the measured RPO per table and the
measured RTO against the tiers' targets. The last step of every drill writes it into the
journal and into the drill history; the trend over earlier drills is added on rendering.

RTO: the test failover's (full level) from the start of its first step to the end of its
validation, journal times; a live drill's, the failover's own report. RPO per table: what
a failover at the drill's time would have lost (the replica's lag, or the safe point's).
"""

from __future__ import annotations

from typing import Any

from standby.drill.context import DrillContext
from standby.drill.history import records, save, trend
from standby.drill.verdict import standby_command, verdict_of
from standby.operations.journal import Journal, StepRecord
from standby.operations.runner import StepResult

RPO_SOURCES = ("live-failover", "test-failover", "replicas")  # the first journaled one counts


def _has(journal: Journal, name: str) -> bool:
    return any(s.name == name for s in journal.steps)


def _checks(journal: Journal) -> list[dict[str, Any]]:
    out = []
    for record in journal.steps:
        verdict = verdict_of(journal, record.name)
        if verdict is None:
            continue
        out.append(
            {
                "name": record.name,
                "title": record.changed.get("title", record.name),
                "ok": verdict.ok,
                "skipped": verdict.skipped,
                "seconds": record.seconds,
                "detail": verdict.detail,
                "command": verdict.command,
            }
        )
    return out


def _tables(journal: Journal) -> list[dict[str, Any]]:
    for name in RPO_SOURCES:
        verdict = verdict_of(journal, name) if _has(journal, name) else None
        tables = (verdict.measured.get("tables") if verdict else None) or []
        if tables:
            return [
                {
                    "name": t["name"],
                    "tier": t.get("tier"),
                    "rpo_seconds": t.get("rpo_seconds"),
                    "rpo_target_seconds": t.get("rpo_target_seconds"),
                    "rpo_ok": t.get("rpo_seconds") is not None
                    and t.get("rpo_target_seconds") is not None
                    and t["rpo_seconds"] <= t["rpo_target_seconds"],
                    "measured_by": name,
                }
                for t in tables
            ]
    return []


def _rto(journal: Journal) -> tuple[float | None, str]:
    """The drill's measured RTO and what it measured."""
    live = verdict_of(journal, "live-failover") if _has(journal, "live-failover") else None
    if live is not None:
        return live.measured.get("rto_seconds"), "the live failover's report"
    if not _has(journal, "validate"):
        return None, "not measured at this level"
    validated, started = journal.step("validate"), journal.step("test-failover")
    verdict = verdict_of(journal, "validate")
    if verdict is None or not verdict.ok or validated.ended_ms is None or not started.started_ms:
        return None, "not reached: the test failover did not validate"
    return round((validated.ended_ms - started.started_ms) / 1000, 3), "test failover to validated"


def _tiers(ctx: DrillContext, tables: list[dict[str, Any]], rto: float | None) -> list[Any]:
    out = []
    for name in sorted({t.tier for t in ctx.tables}):
        tier = ctx.config.tier(name)
        mine = [
            t["rpo_seconds"] for t in tables if t["tier"] == name and t["rpo_seconds"] is not None
        ]
        worst = max(mine) if mine else None
        out.append(
            {
                "name": name,
                "rpo_target_seconds": float(tier.rpo),
                "rto_target_seconds": float(tier.rto),
                "rpo_seconds": worst,
                "rpo_ok": worst is not None and worst <= tier.rpo,
                "rto_seconds": rto,
                "rto_ok": None if rto is None else rto <= tier.rto,
            }
        )
    return out


def _step(record: StepRecord, ended_ms: int) -> dict[str, Any]:
    running = record.status == "running"  # the report step itself, ending now
    return {
        "name": record.name,
        "status": "done" if running and record.name == Report.name else record.status,
        "started_ms": record.started_ms,
        "ended_ms": ended_ms if running and record.name == Report.name else record.ended_ms,
        "seconds": record.seconds,
        "outcome": record.outcome,
        "cleanup": record.cleanup,
    }


def _failed(ctx: DrillContext, journal: Journal, checks: list[dict[str, Any]]) -> list[Any]:
    failed = [
        {k: c[k] for k in ("name", "title", "detail", "command")} for c in checks if not c["ok"]
    ]
    rerun = standby_command(ctx.config, "drill", "--level", ctx.options.level)
    for record in journal.steps:
        if record.cleanup and record.name != Report.name and record.status != "done":
            failed.append(
                {
                    "name": record.name,
                    "title": "clean-up",
                    "detail": f"not finished: {record.outcome or record.status}",
                    "command": f"{rerun}  (a rerun finishes it)",
                }
            )
    return failed


def build_record(journal: Journal, ctx: DrillContext, *, ended_ms: int) -> dict[str, Any]:
    """The drill's history record: what every later report and trend is made from."""
    checks = _checks(journal)
    tables = _tables(journal)
    rto, rto_from = _rto(journal)
    rpos = [t["rpo_seconds"] for t in tables if t["rpo_seconds"] is not None]
    failed = _failed(ctx, journal, checks)
    return {
        "drill_id": journal.operation_id,
        "level": ctx.options.level,
        "live": ctx.options.live,
        "ok": not failed,
        "source": ctx.options.source,
        "target": ctx.options.target,
        "started_ms": journal.created_ms,
        "ended_ms": ended_ms,
        "seconds": round((ended_ms - journal.created_ms) / 1000, 3),
        "rto_seconds": rto,
        "rto_measured_as": rto_from,
        "rpo_seconds": max(rpos) if rpos else None,
        "tables": tables,
        "tiers": _tiers(ctx, tables, rto),
        "checks": checks,
        "failed": failed,
        "steps": [_step(s, ended_ms) for s in journal.steps],
        "host": journal.host,
    }


def with_trend(record: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """The record as reports show it: with its trend over the earlier drills of its level."""
    return {**record, "trend": trend(record, [r for r in history if r["level"] == record["level"]])}


class Report:
    """The last step, run even after a failure: the record into the journal and history."""

    name = "report"
    title = "Report and history"
    cleanup = True
    readonly = False

    def plan(self, ctx: DrillContext) -> list[str]:
        return [f"write the report and the drill history to {ctx.history_home.url}"]

    def run(self, ctx: DrillContext) -> StepResult:
        assert ctx.journal is not None
        record = build_record(ctx.journal, ctx, ended_ms=ctx.clock.now_ms())
        save(ctx.history_home, record)
        ctx.journal.report = with_trend(record, records(ctx.history_home, level=record["level"]))
        verdict = (
            "passed"
            if record["ok"]
            else f"failed: {', '.join(f['name'] for f in record['failed'])}"
        )
        return StepResult(f"drill {verdict}", {"history": record["drill_id"]})

    def check(self, ctx: DrillContext) -> None:
        return None
