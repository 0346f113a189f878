"""The basic level's checks that are not about backups (the DR guide's weekly checks): the
DR workspace answers, the control objects agree, and every replica is whole and within its
tier's RPO, with each replica's lag measured (the RPO a failover now would have).
"""

from __future__ import annotations

from typing import Any

from standby.control import read_control
from standby.drill.context import DrillContext
from standby.drill.verdict import CheckStep, Verdict, standby_command
from standby.errors import StandbyError
from standby.failover.sites import ProtectedTableSite
from standby.integrity import verify
from standby.replication.status import table_status


class DrWorkspace(CheckStep):
    name = "dr-workspace"
    title = "DR workspace answers"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [f"ask the workspace of {ctx.options.target} to answer; list its SQL warehouses"]

    def command(self, ctx: DrillContext) -> str:
        return standby_command(ctx.config, "config", "diff", ctx.options.source, ctx.options.target)

    def measure(self, ctx: DrillContext) -> Verdict:
        started = ctx.clock.monotonic()
        ctx.workspace.ping()
        seconds = round(ctx.clock.monotonic() - started, 3)
        warehouses = ctx.workspace.sql_warehouses()
        detail = (
            f"{ctx.workspace.label} answered in {seconds} s; {len(warehouses)} SQL warehouse(s)"
        )
        return Verdict(
            True,
            detail,
            self.command(ctx),
            {"answer_seconds": seconds, "warehouses": [w.name for w in warehouses]},
        )


class ControlObjects(CheckStep):
    name = "control-objects"
    title = "Control objects consistent"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [
            f"read the control object of root {r} on {ctx.options.source} and {ctx.options.target}"
            for r in ctx.roots
        ]

    def command(self, ctx: DrillContext) -> str:
        return standby_command(ctx.config, "runbook")

    def measure(self, ctx: DrillContext) -> Verdict:
        problems: list[str] = []
        epochs: set[int] = set()
        seen: dict[str, Any] = {}
        for root in ctx.roots:
            for handle, role in ((ctx.source, "primary"), (ctx.target, "replica")):
                control = read_control(handle.root(root))
                seen[f"{handle.name}/{root}"] = (
                    {"role": control.role, "epoch": control.epoch} if control else None
                )
                if control is None or control.role != role:
                    found = f"{control.role} at {control.epoch}" if control else "missing"
                    problems.append(f"{handle.name} root {root} is {found}, not {role}")
                if control is not None:
                    epochs.add(control.epoch)
        if len(epochs) > 1:
            problems.append(f"epochs differ: {sorted(epochs)}")
        if problems:
            return Verdict(False, "; ".join(problems), self.command(ctx), {"controls": seen})
        detail = (
            f"{ctx.options.source} primary, {ctx.options.target} replica at epoch "
            f"{epochs.pop() if epochs else '-'} on root(s) {', '.join(ctx.roots)}"
        )
        return Verdict(True, detail, self.command(ctx), {"controls": seen})


def replica_lag(ctx: DrillContext, table: ProtectedTableSite) -> dict[str, Any]:
    """One replica measured: whole (verify), its lag behind the source and the RPO it
    would give a failover now, against its tier's target."""
    source, replica = ctx.source_uri(table), ctx.replica_uri(table)
    found: dict[str, Any] = {"name": table.label, "tier": table.tier}
    report = verify(replica)
    found["whole"] = report.ok
    if not report.ok:
        first = report.problems[0]
        found["problem"] = (
            f"not whole: {len(report.problems)} problem(s), e.g. {first.path}: {first.detail}"
        )
    status = table_status(
        source,
        replica,
        rpo_seconds=table.rpo_seconds,
        source_options=ctx.options_for(ctx.options.source, source) or None,
        target_options=ctx.options_for(ctx.options.target, replica) or None,
        now=lambda: ctx.clock.now_ms() / 1000,
    )
    found |= {
        "source_version": status.source_version,
        "replica_version": status.replica_version,
        "lag_versions": status.lag_versions,
        "rpo_seconds": status.lag_seconds,
        "rpo_target_seconds": table.rpo_seconds,
    }
    if status.problem not in (None, "rpo") and "problem" not in found:
        found["problem"] = f"{status.problem}: {status.detail}"
    if not status.ok and "problem" not in found:
        found["problem"] = (
            f"lag {status.lag_seconds:.1f} s ({status.lag_versions} version(s)) > "
            f"RPO {table.rpo_seconds:.0f} s"
        )
    found["ok"] = "problem" not in found
    return found


class Replicas(CheckStep):
    name = "replicas"
    title = "Replicas whole and within RPO"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [
            f"verify {t.label} at {ctx.replica_uri(t)}; its lag against RPO "
            f"{t.rpo_seconds:.0f} s ({t.tier})"
            for t in ctx.tables
        ]

    def command(self, ctx: DrillContext) -> str:
        return standby_command(ctx.config, "status")

    def measure(self, ctx: DrillContext) -> Verdict:
        tables = []
        for table in ctx.tables:
            try:
                tables.append(replica_lag(ctx, table))
            except StandbyError as e:
                tables.append(
                    {
                        "name": table.label,
                        "tier": table.tier,
                        "ok": False,
                        "problem": e.message,
                        "rpo_target_seconds": table.rpo_seconds,
                    }
                )
        bad = [t for t in tables if not t["ok"]]
        measured = {"tables": tables}
        if bad:
            detail = "; ".join(f"{t['name']}: {t['problem']}" for t in bad)
            first = next((t for t in ctx.tables if t.label == bad[0]["name"]), None)
            command = (
                standby_command(ctx.config, "verify", ctx.replica_uri(first))
                if first and "not whole" in bad[0]["problem"]
                else self.command(ctx)
            )
            return Verdict(False, detail, command, measured)
        worst = max((t["rpo_seconds"] for t in tables), default=0.0)
        detail = f"{len(tables)} replica(s) whole and within their tier's RPO (max lag {worst} s)"
        return Verdict(True, detail, self.command(ctx), measured)
