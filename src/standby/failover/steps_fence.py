"""The steps that stop the old primary from writing: its control objects fenced at the
next epoch, its protected jobs paused (each job's previous state recorded first), their
running runs drained or cancelled, MODIFY taken away where the config asks; and, when the
primary is gone, a best-effort fence whose outcome is only recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from standby.errors import Refused, StandbyError
from standby.failover.context import FailoverContext
from standby.operations.runner import StepResult
from standby.workspace.operations import JobState


def fence_roots(ctx: FailoverContext) -> list[str]:
    """CAS every control object of the source: primary@e -> fenced@e+1."""
    epoch = ctx.epoch()
    ctx.move_roots(ctx.source, expect=("primary", epoch), to=("fenced", epoch + 1))
    return list(ctx.roots)


class FenceControl:
    name = "fence-control"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [
            f"{ctx.options.source} root {n}: control primary -> fenced at the next epoch"
            for n in ctx.roots
        ]

    def run(self, ctx: FailoverContext) -> StepResult:
        roots = fence_roots(ctx)
        epoch = ctx.epoch() + 1
        return StepResult(
            f"{ctx.options.source} fenced at epoch {epoch}", {"roots": roots, "epoch": epoch}
        )

    def check(self, ctx: FailoverContext) -> None:
        ctx.require_role(ctx.source, "fenced", after="fencing")


def _jobs(ctx: FailoverContext, site: str) -> dict[str, JobState]:
    handle = ctx.source if site == ctx.options.source else ctx.target
    return handle.workspace.jobs(list(ctx.config.protected.jobs))


class PauseJobs:
    """Pause the protected jobs of one site (the source by default); their states before
    are recorded first, so a rerun after a crash restores what was there, never the
    paused state it made."""

    cleanup = False
    readonly = False

    def __init__(self, name: str = "pause-jobs", *, side: str = "source"):
        self.name = name
        self.side = side

    def _site(self, ctx: FailoverContext) -> str:
        return ctx.options.source if self.side == "source" else ctx.options.target

    def plan(self, ctx: FailoverContext) -> list[str]:
        site = self._site(ctx)
        jobs = _jobs(ctx, site)
        lines = [
            f"pause job {j.name} in {site} (now {j.pause or 'no schedule'})" for j in jobs.values()
        ]
        absent = sorted(set(ctx.config.protected.jobs) - set(jobs))
        return lines + [f"job {n}: not in {site}" for n in absent]

    def run(self, ctx: FailoverContext) -> StepResult:
        site = self._site(ctx)
        handle = ctx.source if self.side == "source" else ctx.target
        before: dict[str, Any] | None = ctx.noted("before")
        jobs = _jobs(ctx, site)
        if before is None:
            before = {n: {"job_id": j.job_id, "pause": j.pause} for n, j in jobs.items()}
            ctx.note("before", before)
        for name, job in jobs.items():  # a standby's copies: paused, their state recorded
            if job.pause is not None:
                state = before.get(name, {}).get("pause", job.pause)
                handle.workspace.set_pause(job, "PAUSED", record=state)
        paused = sorted(n for n, j in jobs.items() if j.pause is not None)
        return StepResult(f"{len(paused)} job(s) paused", {"before": before, "paused": paused})

    def check(self, ctx: FailoverContext) -> None:
        site = self._site(ctx)
        running = [j.name for j in _jobs(ctx, site).values() if j.pause == "UNPAUSED"]
        if running:
            raise Refused(f"Jobs still unpaused on {site}: {', '.join(running)}.")


class DrainRuns:
    """Wait for the running runs of the paused jobs to end (`--drain-timeout`), or cancel
    them (`--cancel-runs`); a run still going after the timeout stops the failover."""

    name = "drain-runs"
    cleanup = False
    readonly = False

    def _active(self, ctx: FailoverContext) -> dict[int, str]:
        jobs = _jobs(ctx, ctx.options.source)
        return {r: j.name for j in jobs.values() for r in ctx.source.workspace.active_runs(j)}

    def plan(self, ctx: FailoverContext) -> list[str]:
        active = self._active(ctx)
        verb = "cancel" if ctx.options.cancel_runs else "wait for"
        return [f"{verb} run {r} of {n}" for r, n in sorted(active.items())] or ["no runs to drain"]

    def run(self, ctx: FailoverContext) -> StepResult:
        started = ctx.clock.monotonic()
        active = self._active(ctx)
        cancelled: list[int] = []
        if ctx.options.cancel_runs:
            for run_id in active:
                ctx.source.workspace.cancel_run(run_id)
            cancelled = sorted(active)
        while active and ctx.clock.monotonic() - started < ctx.options.drain_timeout:
            ctx.clock.sleep(0.5)
            active = self._active(ctx)
        if active:
            raise Refused(
                f"{len(active)} run(s) of fenced jobs still running after "
                f"{ctx.options.drain_timeout:.0f} s: {', '.join(map(str, sorted(active)))}.",
                hint="Wait longer (--drain-timeout) or cancel them (--cancel-runs), and rerun.",
            )
        waited = round(ctx.clock.monotonic() - started, 3)
        return StepResult(
            f"drained in {waited} s" + (f", {len(cancelled)} cancelled" if cancelled else ""),
            {"cancelled": cancelled, "waited_seconds": waited},
        )

    def check(self, ctx: FailoverContext) -> None:
        return None


class FenceGrants:
    """`failover.fence_grants`: revoke MODIFY on the protected tables in the source's
    Unity Catalog; who held it is recorded first, and failback gives it back."""

    name = "fence-grants"
    cleanup = False
    readonly = False

    def _named(self, ctx: FailoverContext) -> list[str]:
        return [t.name for t in ctx.tables if t.name]

    def plan(self, ctx: FailoverContext) -> list[str]:
        ws = ctx.source.workspace
        return [
            f"revoke MODIFY on {n} from {', '.join(ws.modify_holders(n)) or 'nobody'}"
            for n in self._named(ctx)
        ]

    def run(self, ctx: FailoverContext) -> StepResult:
        held: dict[str, list[str]] | None = ctx.noted("revoked")
        ws = ctx.source.workspace
        if held is None:
            held = {n: ws.modify_holders(n) for n in self._named(ctx)}
            ctx.note("revoked", held)
        for name, principals in held.items():
            ws.set_modify(name, principals, granted=False)
        count = sum(len(p) for p in held.values())
        return StepResult(f"MODIFY revoked from {count} principal(s)", {"revoked": held})

    def check(self, ctx: FailoverContext) -> None:
        still = [n for n in self._named(ctx) if ctx.source.workspace.modify_holders(n)]
        if still:
            raise Refused(f"MODIFY still granted on {', '.join(still)}.")


class FenceSourceBestEffort:
    """Forced: try to fence the old primary too (control objects, jobs); it is probably
    gone, so the outcome is recorded and never stops the failover."""

    name = "fence-source"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        return [f"try to fence {ctx.options.source} (control objects, jobs); it may be gone"]

    def run(self, ctx: FailoverContext) -> StepResult:
        outcome: dict[str, Any] = {}
        attempts = (
            ("control", lambda: {"roots": fence_roots(ctx)}),
            ("jobs", lambda: {"paused": _pause_all(ctx)}),
        )
        for what, attempt in attempts:
            outcome[what] = within(ctx.options.primary_timeout, attempt)
        fenced = all("not fenced" not in str(v) for v in outcome.values())
        text = "fenced" if fenced else "could not be fenced (recorded)"
        return StepResult(f"{ctx.options.source} {text}", outcome)

    def check(self, ctx: FailoverContext) -> None:
        return None


def _pause_all(ctx: FailoverContext) -> list[str]:
    jobs = _jobs(ctx, ctx.options.source)
    for job in jobs.values():
        if job.pause is not None:
            ctx.source.workspace.set_pause(job, "PAUSED", record=job.pause)
    return sorted(jobs)


def within(seconds: float, attempt: Callable[[], dict[str, Any]]) -> Any:
    """`attempt()` if it ends within `seconds`, else a note that it did not: a region that
    is gone may hang a request far longer than a forced failover can wait."""
    result: list[Any] = []

    def work() -> None:
        try:
            result.append(attempt())
        except StandbyError as e:
            result.append(f"not fenced: {e.message}")

    thread = threading.Thread(target=work, daemon=True, name="standby-fence")
    thread.start()
    thread.join(seconds)
    return result[0] if result else f"not fenced: no answer within {seconds:.0f} s"
