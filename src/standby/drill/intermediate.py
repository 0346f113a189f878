"""The intermediate level's workspace checks (the guide's monthly ones): the DR workspace's
configuration has not drifted from the primary's in the kinds standby.yml protects, and
each job listed under `drills.jobs` runs once in DR and succeeds.
"""

from __future__ import annotations

from typing import Any

from standby.drill.context import DrillContext
from standby.drill.verdict import CheckStep, Verdict, standby_command
from standby.workspace.sites import diff_sides


class Drift(CheckStep):
    name = "configuration"
    title = "No configuration drift"

    def plan(self, ctx: DrillContext) -> list[str]:
        kinds = ", ".join(ctx.config.protected.workspace_kinds)
        return [f"config diff {ctx.options.source} {ctx.options.target} in: {kinds}"]

    def command(self, ctx: DrillContext) -> str:
        return standby_command(ctx.config, "config", "diff", ctx.options.source, ctx.options.target)

    def measure(self, ctx: DrillContext) -> Verdict:
        kinds = list(ctx.config.protected.workspace_kinds)
        diff = diff_sides(ctx.options.source, ctx.options.target, ctx.config, kinds=kinds)
        objects = [f"{o.kind}/{o.name} ({o.status})" for o in diff.objects]
        measured = {"drift": objects, "kinds": kinds}
        if diff.equal:
            return Verdict(True, f"no drift in {len(kinds)} kind(s)", self.command(ctx), measured)
        more = f" and {len(objects) - 5} more" if len(objects) > 5 else ""
        detail = f"drift in {len(objects)} object(s): {', '.join(objects[:5])}{more}"
        return Verdict(False, detail, self.command(ctx), measured)


class DrillJobs(CheckStep):
    name = "drill-jobs"
    title = "Drill jobs succeed in DR"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [f"run job {n} once in {ctx.options.target}" for n in ctx.config.drills.jobs] or [
            "no drills.jobs in standby.yml: no job to run"
        ]

    def measure(self, ctx: DrillContext) -> Verdict:
        names = list(ctx.config.drills.jobs)
        if not names:
            return Verdict(
                True, "no drills.jobs in standby.yml", self.command(ctx), {}, skipped=True
            )
        done: dict[str, Any] = dict(ctx.noted("runs") or {})  # a rerun does not run them twice
        jobs = ctx.workspace.jobs(names)
        for name in names:
            if name in done:
                continue
            if name not in jobs:
                done[name] = {"result": "MISSING", "problem": f"not in {ctx.options.target}"}
                continue
            started = ctx.clock.monotonic()
            outcome = ctx.workspace.run_job(
                jobs[name], timeout=float(ctx.config.drills.job_timeout)
            )
            done[name] = {
                "run_id": outcome.run_id,
                "result": outcome.result,
                "seconds": round(ctx.clock.monotonic() - started, 3),
            }
            if outcome.result != "SUCCESS":
                done[name]["problem"] = (
                    f"run {outcome.run_id} ended {outcome.result}: {outcome.message}"
                )
            ctx.note("runs", done)
        bad = {n: r for n, r in done.items() if "problem" in r}
        measured = {"runs": done}
        if bad:
            detail = "; ".join(f"job {n}: {r['problem']}" for n, r in bad.items())
            return Verdict(False, detail, self.command(ctx), measured)
        return Verdict(
            True,
            f"{len(done)} job(s) ran in {ctx.options.target} and succeeded",
            self.command(ctx),
            measured,
        )
