"""The steps that look before anything moves: preflight (planned and forced) and the
optional configuration sync that comes before a planned preflight.

A preflight changes nothing. Its plan is its checks, each a line with its result; its run
raises Refused (exit 5) naming every check that failed, so nothing else starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from standby.control import Control
from standby.errors import Refused, StandbyError
from standby.failover.context import FailoverContext
from standby.failover.sites import SiteHandle
from standby.integrity import verify
from standby.operations.runner import StepResult
from standby.replication.state import read_state
from standby.replication.status import table_status
from standby.workspace.sites import diff_sides, sync_sites


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def guarded(name: str, probe: Callable[[], Check]) -> Check:
    """A check whose probe failed to run is a failed check, with the reason."""
    try:
        return probe()
    except StandbyError as e:
        return Check(name, False, e.message)


def workspace_answers(ctx: FailoverContext, site: str) -> Check:
    handle = ctx.source if site == ctx.options.source else ctx.target
    handle.workspace.ping()
    return Check(f"workspace {site}", True, f"{handle.workspace.label} answers")


def _epoch_of(controls: dict[str, Control | None]) -> set[int]:
    return {c.epoch for c in controls.values() if c is not None}


def _controls(ctx: FailoverContext, *, source_role: str | None) -> Check:
    """Every root pair at one epoch, target a replica, source `source_role` (None: unread)."""
    target = ctx.target.controls(ctx.roots)
    source = ctx.source.controls(ctx.roots) if source_role else {}
    problems = [
        f"{site} root {name} is {c.role if c else 'missing'}" + (f" at {c.epoch}" if c else "")
        for site, controls, role in (
            (ctx.options.target, target, "replica"),
            (ctx.options.source, source, source_role),
        )
        for name, c in controls.items()
        if c is None or c.role != role
    ]
    epochs = _epoch_of(target) | _epoch_of(source)
    if len(epochs) > 1:
        problems.append(f"epochs differ: {sorted(epochs)}")
    if problems:
        return Check("control objects", False, "; ".join(problems))
    return Check("control objects", True, f"epoch {epochs.pop()} on roots {', '.join(ctx.roots)}")


def _replicas(ctx: FailoverContext) -> Check:
    bad: list[str] = []
    for table in ctx.tables:
        src, dst = table.locations[ctx.options.source], table.locations[ctx.options.target]
        report = verify(dst)
        if not report.ok:
            first = report.problems[0]
            bad.append(f"{table.label}: {len(report.problems)} problem(s), e.g. {first.detail}")
            continue
        status = table_status(src, dst, rpo_seconds=table.rpo_seconds)
        if not status.ok:
            bad.append(
                f"{table.label}: lag {status.lag_seconds:.0f} s > RPO {table.rpo_seconds:.0f} s"
            )
    if bad:
        return Check("replicas", False, "; ".join(bad))
    return Check("replicas", True, f"{len(ctx.tables)} whole and within their tier's RPO")


def _drift(ctx: FailoverContext) -> Check:
    kinds = list(ctx.config.protected.workspace_kinds)
    diff = diff_sides(ctx.options.source, ctx.options.target, ctx.config, kinds=kinds)
    if diff.equal:
        return Check("configuration", True, f"no drift in {len(kinds)} kinds")
    names = ", ".join(f"{o.kind}/{o.name} ({o.status})" for o in diff.objects[:5])
    more = f" and {len(diff.objects) - 5} more" if len(diff.objects) > 5 else ""
    return Check("configuration", False, f"drift: {names}{more}; use --sync-config")


def _replica_states(ctx: FailoverContext) -> Check:
    missing = [
        t.label
        for t in ctx.tables
        if read_state(ctx.target.store(t.locations[ctx.options.target])) is None
    ]
    if missing:
        return Check("replicas", False, f"never replicated: {', '.join(missing)}")
    return Check("replicas", True, f"{len(ctx.tables)} replicas to take at their safe point")


class CheckStep:
    """A read-only step made of checks: its plan is the checks with their results; its run
    refuses (exit 5) naming every check that failed, else records the starting epoch."""

    name = "preflight"
    cleanup = False
    readonly = True
    refused = "Failover refused"
    hint = "Fix what is named, then run the failover again."

    def checks(self, ctx: FailoverContext) -> list[Check]:
        raise NotImplementedError

    def epoch_site(self, ctx: FailoverContext) -> SiteHandle:
        """The site whose control objects carry the epoch the operation starts from."""
        return ctx.target

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [c.line() for c in self.checks(ctx)]

    def run(self, ctx: FailoverContext) -> StepResult:
        checks = self.checks(ctx)
        failed = [c for c in checks if not c.ok]
        if failed:
            raise Refused(
                f"{self.refused}; nothing was changed: "
                + "; ".join(f"{c.name}: {c.detail}" for c in failed),
                hint=self.hint,
            )
        controls = self.epoch_site(ctx).controls(ctx.roots)
        epoch = min(c.epoch for c in controls.values() if c is not None)
        return StepResult(
            f"{len(checks)} checks passed at epoch {epoch}",
            {"epoch": epoch, "checks": [c.line() for c in checks]},
        )

    def check(self, ctx: FailoverContext) -> None:
        return None


class Preflight(CheckStep):
    """Planned: both workspaces answer, roles and epochs agree, replicas whole and within
    RPO, no configuration drift. Forced: the same, on the target alone."""

    def checks(self, ctx: FailoverContext) -> list[Check]:
        target, source = ctx.options.target, ctx.options.source
        if ctx.mode == "forced":
            probes = [
                ("workspace " + target, lambda: workspace_answers(ctx, target)),
                ("control objects", lambda: _controls(ctx, source_role=None)),
                ("replicas", lambda: _replica_states(ctx)),
            ]
        else:
            probes = [
                ("workspace " + source, lambda: workspace_answers(ctx, source)),
                ("workspace " + target, lambda: workspace_answers(ctx, target)),
                ("control objects", lambda: _controls(ctx, source_role="primary")),
                ("replicas", lambda: _replicas(ctx)),
                ("configuration", lambda: _drift(ctx)),
            ]
        return [guarded(name, probe) for name, probe in probes]


class SyncConfig:
    """`--sync-config`: sync the protected configuration kinds source -> target first."""

    name = "sync-config"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        result = sync_sites(ctx.config, ctx.options.source, ctx.options.target, dry_run=True)
        lines = [f"{a.op} {a.kind}/{a.name}" for a in result.changes]
        return lines or ["the target's configuration already matches"]

    def run(self, ctx: FailoverContext) -> StepResult:
        result = sync_sites(ctx.config, ctx.options.source, ctx.options.target)
        result.check()
        changed = [f"{a.op} {a.kind}/{a.name}" for a in result.changes]
        return StepResult(f"{len(changed)} object(s) synced", {"synced": changed})

    def check(self, ctx: FailoverContext) -> None:
        return None
