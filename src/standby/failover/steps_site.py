"""The steps that move the business onto the new primary: its Unity Catalog names the
tables at their new locations, exactly the jobs that ran on the old primary run here, the
endpoint points here, and a validation proves the site serves what it should.
"""

from __future__ import annotations

from typing import Any

import deltalake

from standby.errors import ProblemFound, StandbyError
from standby.failover.context import FailoverContext
from standby.failover.dns import DnsChange
from standby.failover.sites import ProtectedTableSite
from standby.failover.steps_data import final_versions
from standby.operations.runner import StepResult
from standby.storage import normalize
from standby.workspace.operations import PauseState


class Catalog:
    """Register every protected table in the target's Unity Catalog at its location there,
    so that `production.sales.transactions` names the copy that is now primary."""

    name = "catalog"
    cleanup = False
    readonly = False

    def _named(self, ctx: FailoverContext) -> list[ProtectedTableSite]:
        return [t for t in ctx.tables if t.name]

    def plan(self, ctx: FailoverContext) -> list[str]:
        target = ctx.options.target
        lines = [f"register {t.name} at {t.locations[target]}" for t in self._named(ctx)]
        return lines + [f"{n}: no location known, not registered" for n in ctx.unresolved]

    def run(self, ctx: FailoverContext) -> StepResult:
        ws = ctx.target.workspace
        done: dict[str, str] = {}
        for table in self._named(ctx):
            assert table.name is not None
            like = self._registration(ctx, table.name)
            done[table.name] = ws.register_table(
                table.name, table.locations[ctx.options.target], like=like
            )
        changed = sum(v != "unchanged" for v in done.values())
        return StepResult(f"{len(done)} table(s) registered, {changed} changed", {"tables": done})

    def _registration(self, ctx: FailoverContext, name: str) -> dict[str, Any]:
        """The source's registration (columns, comment) when it can be read; forced
        failovers register from the table alone."""
        if ctx.mode == "forced":
            return {}
        try:
            return ctx.source.workspace.table(name) or {}
        except StandbyError:
            return {}

    def check(self, ctx: FailoverContext) -> None:
        target = ctx.options.target
        for table in self._named(ctx):
            assert table.name is not None
            found = ctx.target.workspace.table(table.name)
            location = (found or {}).get("storage_location", "")
            if not location or normalize(location) != normalize(table.locations[target]):
                raise ProblemFound(f"{table.name} is registered at {location or 'nothing'}.")


class StartJobs:
    """In the target, unpause exactly the protected jobs that were unpaused on the old
    primary: recorded before the fence (planned) or by `config sync` (forced). A job
    paused on purpose stays paused."""

    name = "start-jobs"
    cleanup = False
    readonly = False

    def _wanted(self, ctx: FailoverContext) -> dict[str, PauseState | None]:
        jobs = ctx.target.workspace.jobs(list(ctx.config.protected.jobs))
        before: dict[str, Any] = ctx.fact("pause-jobs", "before") or {}
        wanted: dict[str, PauseState | None] = {}
        for name, job in jobs.items():
            if ctx.mode == "planned" and name in before:
                wanted[name] = before[name]["pause"]
            else:
                wanted[name] = job.recorded_primary
        return wanted

    def plan(self, ctx: FailoverContext) -> list[str]:
        wanted = self._wanted(ctx)
        lines = [f"job {n}: {s or 'no schedule'}" for n, s in sorted(wanted.items())]
        absent = sorted(set(ctx.config.protected.jobs) - set(wanted))
        return lines + [f"job {n}: not in {ctx.options.target} (run config sync)" for n in absent]

    def run(self, ctx: FailoverContext) -> StepResult:
        wanted: dict[str, PauseState | None] | None = ctx.noted("states")
        if wanted is None:  # noted first: the tags it may come from are dropped below
            wanted = self._wanted(ctx)
            ctx.note("states", wanted)
        jobs = ctx.target.workspace.jobs(list(ctx.config.protected.jobs))
        for name, state in wanted.items():
            if name in jobs:  # the promoted site's jobs are the primary's: no standby tag
                ctx.target.workspace.set_pause(jobs[name], state or "PAUSED", record=None)
        unpaused = sorted(n for n, s in wanted.items() if s == "UNPAUSED")
        missing = sorted(set(ctx.config.protected.jobs) - set(jobs))
        return StepResult(
            f"{len(unpaused)} job(s) unpaused"
            + (f"; missing: {', '.join(missing)}" if missing else ""),
            {"states": wanted, "unpaused": unpaused, "missing": missing},
        )

    def check(self, ctx: FailoverContext) -> None:
        jobs = ctx.target.workspace.jobs(list(ctx.config.protected.jobs))
        wanted: dict[str, PauseState | None] = ctx.noted("states") or {}
        wrong = [n for n, s in wanted.items() if n in jobs and jobs[n].pause not in (s, None)]
        if wrong:
            raise ProblemFound(f"Jobs not in their recorded pause state: {', '.join(wrong)}.")


class SwitchDns:
    """Point the site's record at the target through the configured provider."""

    name = "dns"
    cleanup = False
    readonly = False

    def _change(self, ctx: FailoverContext) -> DnsChange | None:
        _, record, new = ctx.dns()
        if record is None or new is None:
            return None
        source_dns = ctx.config.site(ctx.options.source).dns
        old = source_dns.target if source_dns else None
        provider = ctx.config.site(ctx.options.target).dns
        return DnsChange(record, old, new, provider.provider if provider else "none")

    def plan(self, ctx: FailoverContext) -> list[str]:
        change = self._change(ctx)
        if change is None:
            return ["no DNS record in standby.yml: clients must be pointed at the new site by hand"]
        return [f"{change.provider}: {change.record} -> {change.new} (was {change.old})"]

    def run(self, ctx: FailoverContext) -> StepResult:
        change = self._change(ctx)
        if change is None:
            return StepResult("no DNS record configured", {})
        switcher, _, _ = ctx.dns()
        before = switcher.current()
        switcher.switch(change)
        manual = change.provider in ("none", "manual")
        outcome = (
            f"point {change.record} at {change.new} by hand"
            if manual
            else f"{change.record} -> {change.new}"
        )
        return StepResult(
            outcome,
            {
                "record": change.record,
                "before": before,
                "after": change.new,
                "provider": change.provider,
            },
        )

    def check(self, ctx: FailoverContext) -> None:
        change = self._change(ctx)
        if change is None:
            return
        switcher, _, _ = ctx.dns()
        now = switcher.current()
        if now is not None and now != change.new.rstrip("."):
            raise ProblemFound(f"{change.record} points at {now}, not {change.new}.")


def count_rows(uri: str, version: int, options: dict[str, str]) -> int:
    """Rows of a table at a version, read by deltalake (an engine other than ours)."""
    table = deltalake.DeltaTable(uri, version=version, storage_options=options or None)
    return int(table.to_pyarrow_dataset().count_rows())


class Validate:
    """The target serves: its workspace answers, each table opens at its final version with
    the source's row count, a SQL warehouse exists, and the validation job (if any) passes."""

    name = "validate"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        lines = [f"open {t.label} on {ctx.options.target} and count its rows" for t in ctx.tables]
        lines.append("a SQL warehouse exists")
        job = ctx.config.failover.validation_job
        return lines + ([f"run validation job {job}"] if job else [])

    def run(self, ctx: FailoverContext) -> StepResult:
        ctx.target.workspace.ping()
        rows = {t.label: self._rows(ctx, t) for t in ctx.tables}
        bad = {n: r for n, r in rows.items() if r.get("problem")}
        warehouses = ctx.target.workspace.warehouses()
        if not warehouses:
            bad["warehouses"] = {"problem": f"no SQL warehouse in {ctx.options.target}"}
        result: dict[str, Any] = {"rows": rows, "warehouses": warehouses}
        waited = self._validation_job(ctx, result, bad)
        result["waited_seconds"] = waited
        if bad:
            raise ProblemFound(
                "Validation failed: " + "; ".join(f"{n}: {v['problem']}" for n, v in bad.items()),
                hint="The failover itself is done; fix what is named and rerun to validate again.",
            )
        return StepResult(
            f"{len(rows)} table(s) and {len(warehouses)} warehouse(s) validated", result
        )

    def _rows(self, ctx: FailoverContext, table: ProtectedTableSite) -> dict[str, Any]:
        version = int(final_versions(ctx)[table.label]["final_version"])
        target_uri = table.locations[ctx.options.target]
        options = ctx.config.site(ctx.options.target).resolved_storage_options(target_uri)
        try:
            rows = count_rows(target_uri, version, options)
        except Exception as e:  # deltalake's errors are its own: any of them fails the check
            return {"version": version, "problem": f"does not open at v{version}: {e}"}
        found: dict[str, Any] = {"version": version, "rows": rows}
        if ctx.mode == "planned":
            source_uri = table.locations[ctx.options.source]
            source_options = ctx.config.site(ctx.options.source).resolved_storage_options(
                source_uri
            )
            expected = count_rows(source_uri, version, source_options)
            found["source_rows"] = expected
            if expected != rows:
                found["problem"] = f"{rows} rows at v{version}, the source has {expected}"
        return found

    def _validation_job(
        self, ctx: FailoverContext, result: dict[str, Any], bad: dict[str, Any]
    ) -> float:
        name = ctx.config.failover.validation_job
        if not name:
            return 0.0
        started = ctx.clock.monotonic()
        job = ctx.target.workspace.jobs([name]).get(name)
        if job is None:
            bad[name] = {"problem": f"validation job {name} is not in {ctx.options.target}"}
            return 0.0
        outcome = ctx.target.workspace.run_job(
            job, timeout=float(ctx.config.failover.validation_timeout)
        )
        result["validation_job"] = {"run_id": outcome.run_id, "result": outcome.result}
        if outcome.result != "SUCCESS":
            ended = f"ended {outcome.result}: {outcome.message}"
            bad[name] = {"problem": f"validation job run {outcome.run_id} {ended}"}
        return round(ctx.clock.monotonic() - started, 3)

    def check(self, ctx: FailoverContext) -> None:
        return None
