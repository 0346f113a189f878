"""The steps that move the tables: the final catch-up of a planned failover (replica ==
source, which is what makes its RPO 0), the safe points of a forced one (the newest
version each replica can serve, torn ones repaired), the promotion of the target (control
objects at the next epoch, each replica marked promoted), and the last look for writes
the old primary took after the catch-up.
"""

from __future__ import annotations

from typing import Any

from standby.delta import DeltaLog
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import Refused, StandbyError
from standby.failover.context import FailoverContext
from standby.failover.sites import ProtectedTableSite
from standby.integrity import safe_point
from standby.operations.runner import StepResult
from standby.replication import Replicator, TableReplication
from standby.replication.state import mark_promoted, read_state

MAX_CATCH_UP_PASSES = 20


def catch_up(replicator: Replicator) -> tuple[TableReplication, int]:
    """Passes until one finds nothing new and the replica's version is the source's: the
    last pass, and how many commits all of them published."""
    published = 0
    for _ in range(MAX_CATCH_UP_PASSES):
        result = replicator.run()
        published += result.commits_published
        if result.commits_published == 0 and result.source_version == result.to_version:
            break
    return result, published


def _commit_ms(log: DeltaLog, version: int) -> int | None:
    raw = log.read_raw(version)
    return timestamp_of(commit_info_of(raw)) if raw else None


class CatchUp:
    """Replicate every table until a pass finds nothing new and the replica's version is
    the source's: the source is fenced and drained, so this is its last version."""

    name = "catch-up"
    cleanup = False
    readonly = False

    def _pair(self, ctx: FailoverContext, table: ProtectedTableSite) -> tuple[Any, Any]:
        src = ctx.source.store(table.locations[ctx.options.source])
        dst = ctx.target.store(table.locations[ctx.options.target])
        return src, dst

    def plan(self, ctx: FailoverContext) -> list[str]:
        lines = []
        for table in ctx.tables:
            src, dst = self._pair(ctx, table)
            state = read_state(dst)
            have = state.last_version if state else -1
            latest = DeltaLog(src).list(from_version=max(0, have)).latest
            lines.append(f"replicate {table.label}: replica at v{have}, source at v{latest}")
        return lines

    def run(self, ctx: FailoverContext) -> StepResult:
        tables: dict[str, Any] = {}
        for table in ctx.tables:
            tables[table.label] = self._catch_up(ctx, table)
        lagging = [n for n, t in tables.items() if t["final_version"] != t["source_version"]]
        if lagging:
            raise Refused(f"Could not catch up {', '.join(lagging)}: the source kept moving.")
        return StepResult(f"{len(tables)} table(s) caught up", {"tables": tables})

    def _catch_up(self, ctx: FailoverContext, table: ProtectedTableSite) -> dict[str, Any]:
        src, dst = self._pair(ctx, table)
        result, published = catch_up(Replicator(src, dst, epoch=ctx.epoch()))
        return {
            "final_version": result.to_version,
            "source_version": result.source_version,
            "final_commit_ms": _commit_ms(DeltaLog(dst), result.to_version or 0),
            "commits_published": published,
        }

    def check(self, ctx: FailoverContext) -> None:
        return None


class SafePoints:
    """Forced: each replica at the newest version it can serve; torn replicas repaired
    (torn commits moved into _standby/quarantine/, recorded here)."""

    name = "safe-points"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        lines = []
        for table in ctx.tables:
            uri = table.locations[ctx.options.target]
            point = safe_point(uri)
            torn = (
                f", repair {len(point.torn_versions)} torn version(s)"
                if point.torn_versions
                else ""
            )
            lines.append(f"take {table.label} at v{point.version}{torn}")
        return lines

    def run(self, ctx: FailoverContext) -> StepResult:
        tables = {t.label: self._take(ctx, t) for t in ctx.tables}
        return StepResult(f"{len(tables)} replica(s) at their safe point", {"tables": tables})

    def _take(self, ctx: FailoverContext, table: ProtectedTableSite) -> dict[str, Any]:
        uri = table.locations[ctx.options.target]
        point = safe_point(uri, repair=True, force=True)
        if point.version is None:
            raise Refused(f"No version of the replica of {table.label} is whole.")
        dst = ctx.target.store(uri)
        state = read_state(dst)
        return {
            "final_version": point.version,
            "final_commit_ms": _commit_ms(DeltaLog(dst), point.version),
            "quarantined": point.quarantined,
            "seen_version": getattr(state, "source_seen_version", None),
            "seen_commit_ms": getattr(state, "source_seen_commit_ms", None),
            "seen_at_ms": getattr(state, "source_seen_at_ms", None),
        }

    def check(self, ctx: FailoverContext) -> None:
        return None


def final_versions(ctx: FailoverContext) -> dict[str, Any]:
    """Per table, what the catch-up (planned) or the safe points (forced) recorded."""
    step = "catch-up" if ctx.mode == "planned" else "safe-points"
    tables: dict[str, Any] = ctx.fact(step, "tables", {})
    return tables


class Promote:
    """The target becomes primary at the next epoch (CAS on every root); each replica
    records its promotion, after which replication into it is refused."""

    name = "promote"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        lines = [
            f"{ctx.options.target} root {n}: control replica -> primary at the next epoch"
            for n in ctx.roots
        ]
        return lines + [f"mark the replica of {t.label} promoted" for t in ctx.tables]

    def run(self, ctx: FailoverContext) -> StepResult:
        epoch = ctx.epoch() + 1
        ctx.move_roots(ctx.target, expect=("replica", epoch - 1), to=("primary", epoch))
        finals = final_versions(ctx)
        for table in ctx.tables:
            version = finals[table.label]["final_version"]
            dst = ctx.target.store(table.locations[ctx.options.target])
            mark_promoted(dst, version=version, epoch=epoch, operation_id=ctx.operation_id)
        return StepResult(f"{ctx.options.target} is primary at epoch {epoch}", {"epoch": epoch})

    def check(self, ctx: FailoverContext) -> None:
        ctx.require_role(ctx.target, "primary", after="promotion")


class LateWrites:
    """Jobs are not the only writers: a commit on the old primary beyond the final
    catch-up version is reported (version and time), never silently lost."""

    name = "late-writes"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [f"look for commits on {ctx.options.source} after the final catch-up"]

    def run(self, ctx: FailoverContext) -> StepResult:
        finals = final_versions(ctx)
        late: dict[str, list[dict[str, Any]]] = {}
        for table in ctx.tables:
            log = DeltaLog(ctx.source.store(table.locations[ctx.options.source]))
            final = int(finals[table.label]["final_version"])
            try:
                versions = sorted(v for v in log.list(from_version=final + 1).commits if v > final)
            except StandbyError as e:
                late[table.label] = [{"error": e.message}]
                continue
            if versions:
                late[table.label] = [
                    {"version": v, "timestamp_ms": _commit_ms(log, v)} for v in versions
                ]
        count = sum(len(v) for v in late.values())
        return StepResult(f"{count} late write(s)" if count else "no late writes", {"late": late})

    def check(self, ctx: FailoverContext) -> None:
        return None
