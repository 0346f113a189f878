"""`drill --level full --live`: the maintenance-window drill. After the basic and
intermediate checks pass, a real planned failover to the replica site, then a failback,
each the operation `standby failover` / `standby failback` runs (its own journal, lease,
report); the drill records their ids and measured RTO and RPO.

Each step runs its operation under the lease the runner hands over (`delegates`), and is
idempotent: a rerun finds the operation it started (finished: taken as it is; unfinished:
resumed by the operation itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from standby.drill.context import DrillContext
from standby.drill.verdict import CheckStep, Verdict, earlier_failures, standby_command
from standby.failover.failback import failback
from standby.failover.service import FailoverRequest, Planned, failover
from standby.operations.journal import Journal, list_journals


def _delegate(ctx: DrillContext, kind: str, start: Callable[[], Planned | Journal]) -> Journal:
    """The operation of `kind` this step started: found done after a crash, else run (a
    run resumes an unfinished one of its kind by itself)."""
    started = ctx.noted("started_ms")
    if started is None:
        ctx.note("started_ms", ctx.clock.now_ms())
    else:
        for journal in reversed(list_journals(ctx.history_home, kind=kind)):
            if journal.created_ms >= started and journal.status == "done":
                return journal
    result = start()
    assert isinstance(result, Journal)
    return result


def _tables(report: dict[str, Any], ctx: DrillContext) -> list[dict[str, Any]]:
    targets = {t.label: t for t in ctx.tables}
    out = []
    for table in report.get("tables", []):
        target = targets.get(table["name"])
        out.append(
            {
                "name": table["name"],
                "tier": target.tier if target else None,
                "rpo_seconds": table.get("rpo_seconds"),
                "rpo_target_seconds": target.rpo_seconds if target else None,
                "proof": table.get("proof") or table.get("note", ""),
            }
        )
    return out


class LiveFailover(CheckStep):
    name = "live-failover"
    title = "Planned failover (live)"
    delegates = True
    kind = "failover"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [
            f"a planned failover {ctx.options.source} -> {ctx.options.target} "
            "(`standby failover --planned`), if every check before it passed"
        ]

    def command(self, ctx: DrillContext) -> str:
        return standby_command(ctx.config, "operations", "list", "--kind", self.kind)

    def _start(self, ctx: DrillContext) -> Planned | Journal:
        request = FailoverRequest(to=ctx.options.target, mode="planned")
        return failover(ctx.config, request, clock=ctx.clock)

    def measure(self, ctx: DrillContext) -> Verdict:
        failed = earlier_failures(ctx, self.name)
        if failed:
            detail = f"not run: check(s) before it failed: {', '.join(failed)}"
            return Verdict(False, detail, self.command(ctx))
        journal = _delegate(ctx, self.kind, lambda: self._start(ctx))
        report = journal.report or {}
        measured = {
            "operation_id": journal.operation_id,
            "rto_seconds": report.get("rto_seconds"),
            "tables": _tables(report, ctx),
        }
        detail = f"{journal.operation_id}: RTO {report.get('rto_seconds')} s"
        return Verdict(True, detail, self.command(ctx), measured)


class LiveFailback(LiveFailover):
    name = "live-failback"
    title = "Failback (live)"
    kind = "failback"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [
            f"a failback to {ctx.options.source} (`standby failback --sync-config`: the "
            "failover changed the jobs' pause states), after the failover"
        ]

    def _start(self, ctx: DrillContext) -> Planned | Journal:
        return failback(ctx.config, FailoverRequest(sync_config=True), clock=ctx.clock)
