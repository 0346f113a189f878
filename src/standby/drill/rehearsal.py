"""The full level's test failover, which touches nothing in production (Azure Site
Recovery's test failover, done for a lakehouse): every replica shallow-cloned at its safe
point into the drill's area on DR storage (no data copied: the clone's files are the
replica's), registered in the drill's own catalog in the DR workspace, and validated:
it opens, it has the source's rows at that version, and `drills.queries` run on a DR SQL
warehouse against it. The drill's RTO ends when validation does; its RPO per table is
what a failover now would lose: the source commits the safe point lacks.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import deltalake

from standby.delta import DeltaLog
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.drill.context import DrillContext
from standby.drill.verdict import CheckStep, Verdict, standby_command
from standby.errors import TargetNotEmpty
from standby.failover.sites import ProtectedTableSite
from standby.failover.steps_site import count_rows
from standby.integrity import safe_point
from standby.storage import normalize, open_store
from standby.tables import clone


def scanned_rows(uri: str, options: dict[str, str] | None) -> int:
    """Rows of a table counted by reading one column of every file (a COUNT(*) may be
    answered from the log's statistics without opening a file), with deltalake's SQL
    engine, which reads a shallow clone's absolute paths."""
    table = deltalake.DeltaTable(uri, storage_options=options or None)
    column = table.schema().fields[0].name.replace('"', '""')
    reader = deltalake.QueryBuilder().register("t", table).execute(f'SELECT "{column}" FROM t')
    return sum(batch.num_rows for batch in reader)


def clone_uri(ctx: DrillContext, table: ProtectedTableSite) -> str:
    return ctx.area_uri("clones", *ctx.drill_name(table).split(".")[1:])


def _rpo(ctx: DrillContext, table: ProtectedTableSite, version: int) -> dict[str, Any]:
    """The source's latest version, and the age of its oldest commit after `version` (0
    when there is none): what a failover to this version would lose, measured."""
    uri = ctx.source_uri(table)
    log = DeltaLog(open_store(uri, options=ctx.options_for(ctx.options.source, uri) or None))
    newer = sorted(v for v in log.list(from_version=version + 1).commits if v > version)
    if not newer:
        return {"source_version": version, "rpo_seconds": 0.0}
    stamp = timestamp_of(commit_info_of(log.read_raw(newer[0]) or b""))
    lag = (ctx.clock.now_ms() - stamp) / 1000 if stamp is not None else float("inf")
    return {"source_version": newer[-1], "rpo_seconds": round(max(0.0, lag), 3)}


class SafePointClones(CheckStep):
    name = "test-failover"
    title = "Replicas cloned at their safe point"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [
            f"shallow-clone {t.label} at its safe point into {clone_uri(ctx, t)}"
            for t in ctx.tables
        ]

    def measure(self, ctx: DrillContext) -> Verdict:
        tables = [self._clone(ctx, t) for t in ctx.tables]
        bad = [t for t in tables if not t["ok"]]
        measured = {"tables": tables}
        if bad:
            detail = "; ".join(f"{t['name']}: {t['problem']}" for t in bad)
            first = next(t for t in ctx.tables if t.label == bad[0]["name"])
            command = standby_command(ctx.config, "safe-point", ctx.replica_uri(first), "--dry-run")
            return Verdict(False, detail, command, measured)
        worst = max((t["rpo_seconds"] for t in tables), default=0.0)
        detail = f"{len(tables)} replica(s) cloned at their safe point (max RPO {worst} s)"
        return Verdict(True, detail, self.command(ctx), measured)

    def _clone(self, ctx: DrillContext, table: ProtectedTableSite) -> dict[str, Any]:
        found: dict[str, Any] = {
            "name": table.label,
            "tier": table.tier,
            "rpo_target_seconds": table.rpo_seconds,
        }
        point = safe_point(ctx.replica_uri(table))
        found |= {"safe_version": point.version, "replica_version": point.latest}
        if point.version is None:
            first = point.problems[0].detail if point.problems else "nothing rebuilds"
            return found | {"ok": False, "problem": f"no version of the replica is whole ({first})"}
        found |= _rpo(ctx, table, point.version)
        target = clone_uri(ctx, table)
        replica = open_store(ctx.replica_uri(table))
        with contextlib.suppress(TargetNotEmpty):  # this drill's earlier attempt made it
            clone(replica, target, shallow=True, version=point.version)
        found["clone"] = target
        if point.torn_versions:
            torn = ", ".join(f"v{v}" for v in point.torn_versions)
            missing = "; ".join(p.detail for p in point.problems[:2])
            found["problem"] = (
                f"the replica serves v{point.version} only: {torn} not whole ({missing})"
            )
        found["ok"] = "problem" not in found
        return found


def _cloned(ctx: DrillContext) -> list[tuple[ProtectedTableSite, dict[str, Any]]]:
    """The tables the clone step cloned, with what it recorded of each."""
    verdict = ctx.fact(SafePointClones.name, "verdict") or {}
    by_name = {t["name"]: t for t in (verdict.get("measured") or {}).get("tables", [])}
    return [(t, by_name[t.label]) for t in ctx.tables if by_name.get(t.label, {}).get("clone")]


class DrillCatalog(CheckStep):
    name = "drill-catalog"
    title = "Clones registered in the drill catalog"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [f"register {ctx.drill_name(t)} at {clone_uri(ctx, t)}" for t in ctx.tables]

    def measure(self, ctx: DrillContext) -> Verdict:
        done: dict[str, str] = {}
        for table, found in _cloned(ctx):
            like: dict[str, Any] = {}
            if table.name:
                try:  # the primary's columns and comment, when it answers
                    like = ctx.source.workspace.table(table.name) or {}
                except Exception:
                    like = {}
            name = ctx.drill_name(table)
            done[name] = ctx.workspace.register_table(name, found["clone"], like=like)
        missing = [t.label for t in ctx.tables if ctx.drill_name(t) not in done]
        measured = {"catalog": ctx.catalog, "tables": done}
        if missing:
            detail = f"not registered (no clone): {', '.join(missing)}"
            return Verdict(False, detail, self.command(ctx), measured)
        detail = f"{len(done)} table(s) registered in {ctx.catalog}"
        return Verdict(True, detail, self.command(ctx), measured)


def drill_query(ctx: DrillContext, query: str) -> str:
    """`query` with each protected table's production name replaced by its drill name."""
    for table in ctx.tables:
        if table.name:
            pattern = r"(?<![\w.`])" + re.escape(table.name) + r"(?![\w.`])"
            query = re.sub(pattern, ctx.drill_name(table), query, flags=re.IGNORECASE)
    return query


class Validate(CheckStep):
    name = "validate"
    title = "Drill copies validated"

    def plan(self, ctx: DrillContext) -> list[str]:
        lines = [f"open {ctx.drill_name(t)}, compare its rows with the source" for t in ctx.tables]
        return lines + [
            f"run on a DR SQL warehouse: {drill_query(ctx, q)}" for q in ctx.config.drills.queries
        ]

    def measure(self, ctx: DrillContext) -> Verdict:
        problems: list[str] = []
        tables = [self._table(ctx, t, f, problems) for t, f in _cloned(ctx)]
        problems += [
            f"{t.label}: not cloned"
            for t in ctx.tables
            if t.label not in {x["name"] for x in tables}
        ]
        queries = self._queries(ctx, problems)
        measured = {"tables": tables, "queries": queries}
        if problems:
            return Verdict(False, "; ".join(problems), self.command(ctx), measured)
        detail = (
            f"{len(tables)} table(s) open with the source's rows; "
            f"{len(queries)} query(ies) answered"
        )
        return Verdict(True, detail, self.command(ctx), measured)

    def _table(
        self,
        ctx: DrillContext,
        table: ProtectedTableSite,
        found: dict[str, Any],
        problems: list[str],
    ) -> dict[str, Any]:
        version, clone_at = int(found["safe_version"]), str(found["clone"])
        source = ctx.source_uri(table)
        rows = scanned_rows(clone_at, ctx.config.storage_options_for(clone_at))
        expected = count_rows(source, version, ctx.options_for(ctx.options.source, source))
        registered = (ctx.workspace.table(ctx.drill_name(table)) or {}).get("storage_location")
        out = {"name": table.label, "version": version, "rows": rows, "source_rows": expected}
        if rows != expected:
            problems.append(f"{table.label}: {rows} rows, the source has {expected} at v{version}")
        if not registered or normalize(registered) != normalize(clone_at):
            problems.append(f"{ctx.drill_name(table)} is registered at {registered or 'nothing'}")
        return out

    def _queries(self, ctx: DrillContext, problems: list[str]) -> list[dict[str, Any]]:
        if not ctx.config.drills.queries:
            return []
        warehouses = ctx.workspace.sql_warehouses()
        if not warehouses:
            problems.append(f"no SQL warehouse in {ctx.options.target} to run drills.queries")
            return []
        warehouse = next((w for w in warehouses if w.state == "RUNNING"), warehouses[0])
        out = []
        for query in ctx.config.drills.queries:
            statement = drill_query(ctx, query)
            result = ctx.workspace.run_statement(warehouse.id, statement)
            out.append(
                {
                    "query": statement,
                    "warehouse": warehouse.name,
                    "state": result.state,
                    "rows": len(result.rows),
                    "first_row": result.rows[0] if result.rows else None,
                }
            )
            if result.state != "SUCCEEDED" or not result.rows:
                why = result.error or f"{result.state} with {len(result.rows)} row(s)"
                problems.append(f"query {statement!r}: {why}")
        return out
