"""Reprotect: the old primary becomes a replica of the new one (the DR guide's 5.2 done
right). In these steps `source` is the site that is primary now and `target` the old
primary coming back: its divergence is rewound to the fork (moved aside, never deleted),
then it is replicated from the new primary, and its control objects say replica.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from standby.control import Control, read_control, transition
from standby.delta import DeltaLog
from standby.delta.snapshot import reconstructable
from standby.errors import Refused
from standby.failover.context import FailoverContext
from standby.failover.rewind import beyond, find_fork, move_aside
from standby.failover.sites import ProtectedTableSite, SiteHandle
from standby.failover.steps_check import Check, CheckStep, guarded, workspace_answers
from standby.failover.steps_data import catch_up
from standby.operations.runner import StepResult
from standby.replication import Replicator
from standby.replication.state import ReplicaState, read_state, restart_state
from standby.storage import ObjectStore, redact


def _roles(ctx: FailoverContext) -> Check:
    """The source primary at one epoch E on every root; the target deposed (primary at an
    older epoch, fenced at E) or already a replica at E. Both primary at E: split brain."""
    source = ctx.source.controls(ctx.roots)
    target = ctx.target.controls(ctx.roots)
    epochs = {c.epoch for c in source.values() if c is not None}
    if len(epochs) != 1 or any(c is None or c.role != "primary" for c in source.values()):
        found = ", ".join(f"{n}: {_said(c)}" for n, c in source.items())
        return Check("roles", False, f"{ctx.options.source} is not the primary ({found})")
    epoch = epochs.pop()
    bad = [
        f"{ctx.options.target} root {n} is {_said(c)}"
        for n, c in target.items()
        if c is not None and not _deposed(c, epoch)
    ]
    if bad and not ctx.options.force_split_brain:
        return Check("roles", False, "split brain: " + "; ".join(bad) + "; see --force")
    return Check("roles", True, f"{ctx.options.source} is primary at epoch {epoch}")


def _said(control: Control | None) -> str:
    return "missing" if control is None else f"{control.role} at epoch {control.epoch}"


def _deposed(control: Control, epoch: int) -> bool:
    if control.role == "primary":
        return control.epoch < epoch
    return control.epoch <= epoch


class ReprotectPreflight(CheckStep):
    """Read-only: both sites answer, the roles allow reprotecting; records the epoch."""

    name = "reprotect-preflight"
    refused = "Reprotect refused"
    hint = (
        "--force reprotects a split brain: the old primary's commits after the fork are "
        "moved aside and reported, never merged."
    )

    def checks(self, ctx: FailoverContext) -> list[Check]:
        source, target = ctx.options.source, ctx.options.target
        return [
            guarded("workspace " + source, lambda: workspace_answers(ctx, source)),
            guarded("workspace " + target, lambda: workspace_answers(ctx, target)),
            guarded("roles", lambda: _roles(ctx)),
        ]

    def epoch_site(self, ctx: FailoverContext) -> SiteHandle:
        return ctx.source


def reprotect_epoch(ctx: FailoverContext) -> int:
    return int(ctx.fact("reprotect-preflight", "epoch"))


class FenceOld:
    """The old primary's control objects: fenced at the new primary's epoch."""

    name = "fence-old"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [
            f"{ctx.options.target} root {n}: {_said(c)} -> fenced"
            for n, c in ctx.target.controls(ctx.roots).items()
        ]

    def run(self, ctx: FailoverContext) -> StepResult:
        epoch = reprotect_epoch(ctx)
        moved = []
        for name, control in ctx.target.controls(ctx.roots).items():
            if control is None or control.role == "replica" or control.role == "fenced":
                continue
            transition(
                ctx.target.root(name),
                expect=(control.role, control.epoch),
                to=("fenced", epoch),
                operation_id=ctx.operation_id,
            )
            moved.append(name)
        return StepResult(f"{len(moved)} root(s) fenced at epoch {epoch}", {"roots": moved})

    def check(self, ctx: FailoverContext) -> None:
        return None


def _stores(ctx: FailoverContext, table: ProtectedTableSite) -> tuple[ObjectStore, ObjectStore]:
    """(the new primary's copy, the old primary's copy) of a table."""
    return (
        ctx.source.store(table.locations[ctx.options.source]),
        ctx.target.store(table.locations[ctx.options.target]),
    )


def _hint(primary: ObjectStore) -> int | None:
    state = read_state(primary)
    return state.promoted.version if state and state.promoted else None


class Rewind:
    """Per table: find the fork, move the old primary's later log files aside."""

    name = "rewind"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        lines = []
        for table in ctx.tables:
            new, old = _stores(ctx, table)
            old_log = DeltaLog(old)
            if old_log.list().latest is None:
                lines.append(f"{table.label}: not on {ctx.options.target}: reseed it")
                continue
            fork = find_fork(old_log, DeltaLog(new), hint=_hint(new))
            moved = beyond(old_log.list(), -1 if fork is None else fork)
            versions = sorted({f.version for f in moved if f.version is not None})
            lines.append(
                f"{table.label}: fork at v{fork}; move aside {len(moved)} log file(s) "
                f"of version(s) {versions or 'none'}"
            )
        return lines

    def run(self, ctx: FailoverContext) -> StepResult:
        forks: dict[str, Any] = ctx.noted("forks") or {}
        if len(forks) < len(ctx.tables):  # found once, noted before anything moves
            forks = {t.label: self._fork(ctx, t) for t in ctx.tables}
            ctx.note("forks", forks)
        tables: dict[str, Any] = {}
        for table in ctx.tables:
            fork = forks[table.label]
            if fork["reseed"] and fork["fork"] is None:
                tables[table.label] = {**fork, "orphaned": []}
                continue
            _, old = _stores(ctx, table)
            orphaned: list[dict[str, Any]] = []
            if beyond(DeltaLog(old).list(), fork["fork"]) or ctx.noted(f"moving {table.label}"):
                ctx.note(f"moving {table.label}", True)  # a rerun finishes what it started
                manifest = move_aside(old, fork=fork["fork"], operation_id=ctx.operation_id)
                orphaned = [asdict(c) for c in manifest.commits]
            tables[table.label] = {**fork, "orphaned": orphaned}
        count = sum(len(t["orphaned"]) for t in tables.values())
        return StepResult(f"{count} orphaned commit(s) moved aside", {"tables": tables})

    def _fork(self, ctx: FailoverContext, table: ProtectedTableSite) -> dict[str, Any]:
        new, old = _stores(ctx, table)
        old_log = DeltaLog(old)
        if old_log.list().latest is None:
            return {"fork": None, "reseed": True}
        fork = find_fork(old_log, DeltaLog(new), hint=_hint(new))
        # No common version: the old copy is another table; all of its log goes aside.
        return {"fork": -1 if fork is None else fork, "reseed": fork is None}

    def check(self, ctx: FailoverContext) -> None:
        return None


class ReverseReplicate:
    """Replicate the new primary into the old one from the fork, with every invariant of
    replication; a table the old primary lost is seeded anew."""

    name = "reverse-replicate"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [
            f"replicate {t.label}: {ctx.options.source} -> {ctx.options.target}" for t in ctx.tables
        ]

    def run(self, ctx: FailoverContext) -> StepResult:
        forks: dict[str, Any] = ctx.fact("rewind", "tables", {})
        tables = {t.label: self._replicate(ctx, t, forks.get(t.label, {})) for t in ctx.tables}
        copied = sum(t["commits"] for t in tables.values())
        return StepResult(f"{copied} commit(s) replicated back", {"tables": tables})

    def _replicate(
        self, ctx: FailoverContext, table: ProtectedTableSite, fork: dict[str, Any]
    ) -> dict[str, Any]:
        new, old = _stores(ctx, table)
        epoch = reprotect_epoch(ctx)
        if not fork.get("reseed") and not ctx.noted(f"restarted {table.label}"):
            restart_state(old, self._state(new, old, int(fork["fork"]), epoch))
            ctx.note(f"restarted {table.label}", True)  # a rerun keeps what replication did
        result, commits = catch_up(Replicator(new, old, epoch=epoch))
        return {"from": fork.get("fork"), "to": result.to_version, "commits": commits}

    def _state(self, new: ObjectStore, old: ObjectStore, fork: int, epoch: int) -> ReplicaState:
        """The old primary's replica state: its own log is whole up to the fork."""
        span = reconstructable(DeltaLog(old).list())
        promoted = read_state(new)
        return ReplicaState(
            source=redact(new.url),
            source_table_id=promoted.source_table_id if promoted else "",
            complete_from=span[0] if span else fork,
            last_version=fork,
            last_commit_timestamp=None,
            epoch=epoch,
        )

    def check(self, ctx: FailoverContext) -> None:
        for table in ctx.tables:
            new, old = _stores(ctx, table)
            if DeltaLog(old).list().latest != DeltaLog(new).list().latest:
                raise Refused(f"{table.label} did not catch up on {ctx.options.target}.")


class BecomeReplica:
    """The old primary's control objects: replica at the current epoch. From now on
    `standby replicate` runs from the new primary into it."""

    name = "become-replica"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [f"{ctx.options.target} root {n}: fenced -> replica" for n in ctx.roots]

    def run(self, ctx: FailoverContext) -> StepResult:
        epoch = reprotect_epoch(ctx)
        for name in ctx.roots:
            root = ctx.target.root(name)
            current = read_control(root)
            if current is None:
                raise Refused(f"No control object at {redact(root.url)}.")
            transition(
                root,
                expect=(current.role, current.epoch),
                to=("replica", epoch),
                operation_id=ctx.operation_id,
            )
        return StepResult(f"{ctx.options.target} is a replica at epoch {epoch}", {"epoch": epoch})

    def check(self, ctx: FailoverContext) -> None:
        ctx.require_role(ctx.target, "replica", after="reprotect")
