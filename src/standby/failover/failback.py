"""`standby reprotect` and `standby failback` (the DR guide's 5.2).

Reprotect makes the old primary a replica of the site that is primary now: its divergence
rewound to the fork (moved aside with a manifest), then replicated from the primary.
Failback is reprotect, then a planned failover back, then the former DR site becomes a
replica again: its log equals the primary's, so replication resumes without reseeding.
"""

from __future__ import annotations

from collections.abc import Callable

from standby.config import Config
from standby.delta import DeltaLog, load_snapshot
from standby.delta.snapshot import reconstructable
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import BadInput, Refused
from standby.failover.context import FailoverContext, FailoverOptions
from standby.failover.report import Report
from standby.failover.service import FailoverRequest, Planned, execute, steps_for
from standby.failover.sites import ProtectedTableSite, SiteHandle, control_roots, other_site
from standby.failover.steps_check import SyncConfig
from standby.failover.steps_fence import PauseJobs
from standby.failover.steps_reprotect import (
    BecomeReplica,
    FenceOld,
    ReprotectPreflight,
    ReverseReplicate,
    Rewind,
)
from standby.operations.clock import Clock
from standby.operations.journal import Journal, list_journals
from standby.operations.runner import Event, Step, StepResult
from standby.replication.state import ReplicaState, restart_state
from standby.storage import redact
from standby.workspace.operations import SiteWorkspace


def current_primary(config: Config) -> str:
    """The site whose control objects say primary at the highest epoch."""
    roots = control_roots(config)
    best: tuple[int, str] | None = None
    for site in config.sites:
        controls = SiteHandle(config, site).controls(roots)
        if controls and all(c is not None and c.role == "primary" for c in controls.values()):
            epoch = min(c.epoch for c in controls.values() if c is not None)
            best = max(best or (epoch, site), (epoch, site))
    if best is None:
        raise Refused(
            "No site is primary on every storage root: nothing to reprotect from.",
            hint="`standby status` shows the roles; `standby operations list` what ran.",
        )
    return best[1]


def _reprotect_steps(options: FailoverOptions) -> list[Step[FailoverContext]]:
    steps: list[Step[FailoverContext]] = [
        ReprotectPreflight(),
        FenceOld(),
        PauseJobs("pause-old-jobs", side="target"),
        Rewind(),
        ReverseReplicate(),
        BecomeReplica(),
    ]
    return steps + ([SyncConfig()] if options.sync_config else [])


def _options(config: Config, request: FailoverRequest) -> FailoverOptions:
    source = current_primary(config)
    target = other_site(config, source)
    if request.to is not None and request.to != target:
        raise BadInput(f"{request.to} is the primary already; failback goes to {target}.")
    return FailoverOptions(
        source=source,
        target=target,
        mode="planned",
        sync_config=request.sync_config,
        cancel_runs=request.cancel_runs,
        drain_timeout=float(request.drain_timeout or config.failover.drain_timeout),
        primary_timeout=float(request.primary_timeout or config.failover.primary_timeout),
        force_split_brain=request.force,
    )


def reprotect(
    config: Config,
    request: FailoverRequest,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> Planned | Journal:
    """Make the old primary a replica of the current one; returns the plan or the journal."""
    return execute(
        config,
        request,
        kind="reprotect",
        fresh=lambda: _options(config, request),
        steps=lambda o: [*_reprotect_steps(o), Report()],
        dry_run=dry_run,
        clock=clock,
        on_event=on_event,
    )


def failback(
    config: Config,
    request: FailoverRequest,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    on_event: Callable[[Event], None] | None = None,
    confirm: Callable[[Planned], bool] | None = None,
) -> Planned | Journal:
    """Reprotect if needed, fail over back with no commit lost, make the other site a
    replica again; returns the plan or the journal with its report."""

    def steps(options: FailoverOptions) -> list[Step[FailoverContext]]:
        planned = [s for s in steps_for(replace_sync(options), config) if s.name != "report"]
        grants = [RestoreGrants()] if config.failover.fence_grants else []
        return [*_reprotect_steps(options), *planned, *grants, DemoteOld(), Report()]

    return execute(
        config,
        request,
        kind="failback",
        fresh=lambda: _options(config, request),
        steps=steps,
        dry_run=dry_run,
        clock=clock,
        on_event=on_event,
        confirm=confirm,
    )


def replace_sync(options: FailoverOptions) -> FailoverOptions:
    """The planned part of a failback: its config sync already ran after reprotect."""
    return FailoverOptions(**{**options.to_args(), "sync_config": False})


class RestoreGrants:
    """Give MODIFY back on the site that becomes primary again, to whom the failover that
    fenced it took it from (its journal says)."""

    name = "restore-grants"
    cleanup = False
    readonly = False

    def _revoked(self, ctx: FailoverContext) -> dict[str, list[str]]:
        done = [
            j
            for j in list_journals(SiteHandle(ctx.config, ctx.config.dr).home, kind="failover")
            if j.status == "done" and j.args.get("source") == ctx.options.target
        ]
        if not done or not any(s.name == "fence-grants" for s in done[-1].steps):
            return {}
        revoked: dict[str, list[str]] = done[-1].changed("fence-grants").get("revoked", {})
        return revoked

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [
            f"grant MODIFY on {n} to {', '.join(p)}" for n, p in self._revoked(ctx).items() if p
        ]

    def run(self, ctx: FailoverContext) -> StepResult:
        revoked = self._revoked(ctx)
        ws: SiteWorkspace = ctx.target.workspace
        for name, principals in revoked.items():
            ws.set_modify(name, principals, granted=True)
        return StepResult(f"MODIFY given back on {len(revoked)} table(s)", {"granted": revoked})

    def check(self, ctx: FailoverContext) -> None:
        return None


class DemoteOld:
    """The site that was primary until now becomes a replica at the new epoch; each of its
    tables gets a fresh replica state (its log equals the primary's: nothing to reseed)."""

    name = "reprotect-old"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [f"{ctx.options.source}: fenced -> replica of {ctx.options.target}"]

    def run(self, ctx: FailoverContext) -> StepResult:
        epoch = ctx.epoch() + 1
        ctx.move_roots(ctx.source, expect=("fenced", epoch), to=("replica", epoch))
        for table in ctx.tables:
            restart_state(
                ctx.source.store(table.locations[ctx.options.source]),
                self._state(ctx, table, epoch),
            )
        return StepResult(f"{ctx.options.source} is a replica at epoch {epoch}", {"epoch": epoch})

    def _state(self, ctx: FailoverContext, table: ProtectedTableSite, epoch: int) -> ReplicaState:
        replica = ctx.source.store(table.locations[ctx.options.source])
        primary = ctx.target.store(table.locations[ctx.options.target])
        listing = DeltaLog(replica).list()
        latest = listing.latest if listing.latest is not None else -1
        span = reconstructable(listing)
        raw = DeltaLog(replica).read_raw(latest) or b""
        return ReplicaState(
            source=redact(primary.url),
            source_table_id=str(load_snapshot(DeltaLog(replica), latest).metadata.get("id", "")),
            complete_from=span[0] if span else latest,
            last_version=latest,
            last_commit_timestamp=timestamp_of(commit_info_of(raw)),
            epoch=epoch,
        )

    def check(self, ctx: FailoverContext) -> None:
        ctx.require_role(ctx.source, "replica", after="demotion")
