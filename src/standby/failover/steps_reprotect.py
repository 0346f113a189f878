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
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import Refused
from standby.failover.context import FailoverContext
from standby.failover.rewind import beyond, find_fork, move_aside, set_aside, spans, to_move
from standby.failover.sites import ProtectedTableSite, SiteHandle
from standby.failover.steps_check import Check, CheckStep, guarded, workspace_answers
from standby.failover.steps_data import catch_up
from standby.operations.runner import StepResult
from standby.replication import Replicator
from standby.replication.state import STATE_PATH, ReplicaState, read_state, restart_state
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
    missing = [n for n, c in target.items() if c is None]
    if missing:  # not the storage the old primary wrote: nothing here to make a replica of
        detail = f"{ctx.options.target} root(s) {', '.join(missing)} have no control object"
        return Check("roles", False, detail)
    bad = [
        f"{ctx.options.target} root {n} is {_said(c)}"
        for n, c in target.items()
        if c is not None and not _deposed(c, epoch)
    ]
    if bad and not ctx.options.force_split_brain:
        return Check(
            "roles",
            False,
            f"split brain: {'; '.join(bad)}, while {ctx.options.source} is primary at epoch "
            f"{epoch}: both may have written as primary. --force makes {ctx.options.target} "
            f"a replica of {ctx.options.source} anyway: its commits after the fork are moved "
            "aside with a manifest and reported (standby orphaned show), never merged",
        )
    forced = f" (split brain, --force: {'; '.join(bad)})" if bad else ""
    return Check("roles", True, f"{ctx.options.source} is primary at epoch {epoch}{forced}")


def _on_source(ctx: FailoverContext) -> Check:
    """Every protected table is on the primary: a copy there is what the old one rewinds
    to; without it the old copy's whole log would go aside for nothing to replace it."""
    source = ctx.options.source
    missing = [
        t.label
        for t in ctx.tables
        if DeltaLog(ctx.source.store(t.locations[source])).list().latest is None
    ]
    if missing:
        return Check(
            "tables",
            False,
            f"not on {source}: {', '.join(missing)}; restore them there, or take them out "
            "of standby.yml's protected tables",
        )
    return Check("tables", True, f"{len(ctx.tables)} on {source}")


def _said(control: Control | None) -> str:
    return "missing" if control is None else f"{control.role} at epoch {control.epoch}"


def _deposed(control: Control, epoch: int) -> bool:
    if control.role == "primary":
        return control.epoch < epoch
    return control.epoch <= epoch


class ReprotectPreflight(CheckStep):
    """Read-only: both sites answer, the roles allow reprotecting, every table is on the
    primary; records the epoch."""

    name = "reprotect-preflight"
    refused = "Reprotect refused"
    hint = "Fix what is named, then run it again."

    def checks(self, ctx: FailoverContext) -> list[Check]:
        source, target = ctx.options.source, ctx.options.target
        return [
            guarded("workspace " + source, lambda: workspace_answers(ctx, source)),
            guarded("workspace " + target, lambda: workspace_answers(ctx, target)),
            guarded("roles", lambda: _roles(ctx)),
            guarded("tables", lambda: _on_source(ctx)),
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


def _fork_of(ctx: FailoverContext, table: ProtectedTableSite) -> dict[str, Any]:
    """Where a table's two copies forked; `reseed` when they share no version (the old
    copy is gone, or another table: all of its log goes aside)."""
    new, old = _stores(ctx, table)
    old_log = DeltaLog(old)
    if old_log.list().latest is None:
        return {"fork": None, "reseed": True}
    fork = find_fork(old_log, DeltaLog(new), hint=_hint(new))
    return {"fork": -1 if fork is None else fork, "reseed": fork is None}


class Rewind:
    """Per table: find the fork, move the old primary's later log files aside."""

    name = "rewind"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        lines = []
        for table in ctx.tables:
            fork = _fork_of(ctx, table)
            if fork["fork"] is None:
                lines.append(f"{table.label}: not on {ctx.options.target}: nothing to move aside")
                continue
            _, old = _stores(ctx, table)
            move = to_move(old, fork["fork"])
            what = "; ".join(
                part
                for part in (
                    move.commits and f"commits {spans(move.commits)} ({len(move.commits)})",
                    move.checkpoints and f"checkpoints {spans(move.checkpoints)}",
                    move.hint and "_last_checkpoint",
                )
                if part
            )
            head = "no common version" if fork["reseed"] else f"fork F=v{fork['fork']}"
            lines.append(f"{table.label}: {head}; move aside {what or 'nothing'}")
        return lines

    def run(self, ctx: FailoverContext) -> StepResult:
        forks: dict[str, Any] = ctx.noted("forks") or {}
        if len(forks) < len(ctx.tables):  # found once, noted before anything moves
            forks = {t.label: _fork_of(ctx, t) for t in ctx.tables}
            ctx.note("forks", forks)
        tables: dict[str, Any] = {}
        for table in ctx.tables:
            fork = forks[table.label]
            if fork["reseed"] and fork["fork"] is None:
                tables[table.label] = {**fork, "orphaned": []}
                continue
            new, old = _stores(ctx, table)
            moved: dict[str, Any] = {"orphaned": [], "restored": [], "lost": []}
            if beyond(DeltaLog(old).list(), fork["fork"]) or ctx.noted(f"moving {table.label}"):
                ctx.note(f"moving {table.label}", True)  # a rerun finishes what it started
                manifest = move_aside(
                    old, fork=fork["fork"], operation_id=ctx.operation_id, restore_from=new
                )
                moved = {
                    "orphaned": [asdict(c) for c in manifest.commits],
                    "restored": manifest.restored,
                    "lost": manifest.lost,
                }
            tables[table.label] = {**fork, **moved}
        count = sum(len(t["orphaned"]) for t in tables.values())
        return StepResult(f"{count} orphaned commit(s) moved aside", {"tables": tables})

    def check(self, ctx: FailoverContext) -> None:
        return None


class ReverseReplicate:
    """Replicate the new primary into the old one from the fork, with every invariant of
    replication; a table the old primary lost is seeded anew."""

    name = "reverse-replicate"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        lines = []
        for table in ctx.tables:
            fork = _fork_of(ctx, table)
            new, _ = _stores(ctx, table)
            latest = DeltaLog(new).list(from_version=max(0, fork["fork"] or 0)).latest
            source = ctx.options.source
            if latest is None:
                lines.append(f"{table.label}: not on {source}: nothing to copy")
            elif fork["reseed"]:
                lines.append(f"{table.label}: reseed from {source} at v{latest}")
            elif latest == fork["fork"]:
                lines.append(f"{table.label}: copy nothing ({source} wrote no commit after F)")
            else:
                versions = list(range(fork["fork"] + 1, latest + 1))
                lines.append(
                    f"{table.label}: copy commits {spans(versions)} ({len(versions)}) from {source}"
                )
        return lines

    def run(self, ctx: FailoverContext) -> StepResult:
        forks: dict[str, Any] = ctx.fact("rewind", "tables", {})
        tables = {t.label: self._replicate(ctx, t, forks.get(t.label, {})) for t in ctx.tables}
        copied = sum(t["commits"] for t in tables.values())
        return StepResult(f"{copied} commit(s) replicated back", {"tables": tables})

    def _replicate(
        self, ctx: FailoverContext, table: ProtectedTableSite, rewound: dict[str, Any]
    ) -> dict[str, Any]:
        new, old = _stores(ctx, table)
        epoch = reprotect_epoch(ctx)
        state = read_state(old)
        if rewound.get("reseed"):
            # A state of an earlier term (marked promoted when this site was last primary,
            # or of another epoch) would have the replicator go on from a log that is gone:
            # set aside, so the table is seeded anew. One this reseed wrote is kept.
            if state is not None and (state.promoted is not None or state.epoch != epoch):
                set_aside(old, ctx.operation_id, STATE_PATH)
        elif not ctx.noted(f"restarted {table.label}"):
            restart_state(old, self._state(new, old, rewound, epoch))
            ctx.note(f"restarted {table.label}", True)  # a rerun keeps what replication did
        result, commits = catch_up(Replicator(new, old, epoch=epoch))
        return {"from": rewound.get("fork"), "to": result.to_version, "commits": commits}

    def _state(
        self, new: ObjectStore, old: ObjectStore, rewound: dict[str, Any], epoch: int
    ) -> ReplicaState:
        """The old primary's replica state at the fork. Its own log reads whole from the
        start of its span, unless it vacuumed after the fork: then from the fork (whose
        files the rewind restored), as older versions may miss files."""
        fork = int(rewound["fork"])
        span = reconstructable(DeltaLog(old).list())
        vacuumed = rewound.get("restored") or any(
            "VACUUM" in (c.get("operation") or "") for c in rewound.get("orphaned", [])
        )
        promoted = read_state(new)
        raw = DeltaLog(old).read_raw(fork) or b""
        return ReplicaState(
            source=redact(new.url),
            source_table_id=promoted.source_table_id if promoted else "",
            complete_from=fork if vacuumed or not span else span[0],
            last_version=fork,
            last_commit_timestamp=timestamp_of(commit_info_of(raw)),
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
