"""`standby failover`: move the primary role to the other site, planned or forced.

The steps are chosen once, from the mode and the config, and journaled; a rerun (or
`--resume ID`) continues the unfinished operation with the arguments it was started
with. The dry run asks each step for its plan and writes nothing anywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from standby.config import Config
from standby.errors import BadInput, StandbyError
from standby.failover.context import FailoverContext, FailoverOptions, Mode
from standby.failover.report import Report
from standby.failover.sites import SiteHandle, other_site
from standby.failover.steps_check import Preflight, SyncConfig
from standby.failover.steps_data import CatchUp, LateWrites, Promote, SafePoints
from standby.failover.steps_fence import (
    DrainRuns,
    FenceControl,
    FenceGrants,
    FenceSourceBestEffort,
    PauseJobs,
)
from standby.failover.steps_site import Catalog, StartJobs, SwitchDns, Validate
from standby.operations.clock import Clock, SystemClock
from standby.operations.journal import Journal, load, unfinished
from standby.operations.runner import Event, PlannedStep, Runner, Step, plan
from standby.workspace.operations import SiteWorkspace, open_site_workspace
from standby.workspace.wrappers import RetryPolicy

KIND = "failover"
NO_RETRY = RetryPolicy(attempts=1, connect_attempts=1)  # a region that is gone: ask once


@dataclass(frozen=True)
class FailoverRequest:
    """What the user asked for; `mode` None means: planned if the source answers within
    `primary_timeout`, forced otherwise."""

    to: str | None = None
    mode: Mode | None = None
    sync_config: bool = False
    cancel_runs: bool = False
    drain_timeout: float | None = None
    primary_timeout: float | None = None
    resume: str | None = None
    force: bool = False  # take over a stale lease of another host


@dataclass(frozen=True)
class Planned:
    """A dry run: the steps and what each would change."""

    options: FailoverOptions
    steps: list[PlannedStep]
    kind: str = KIND


def steps_for(options: FailoverOptions, config: Config) -> list[Step[FailoverContext]]:
    """The steps of a failover in this mode, in order."""
    if options.mode == "forced":
        return [
            Preflight(),
            SafePoints(),
            Promote(),
            FenceSourceBestEffort(),
            Catalog(),
            StartJobs(),
            SwitchDns(),
            Validate(),
            Report(),
        ]
    steps: list[Step[FailoverContext]] = [SyncConfig()] if options.sync_config else []
    steps += [Preflight(), FenceControl(), PauseJobs(), DrainRuns()]
    steps += [FenceGrants()] if config.failover.fence_grants else []
    return [
        *steps,
        CatchUp(),
        Promote(),
        Catalog(),
        StartJobs(),
        SwitchDns(),
        Validate(),
        LateWrites(),
        Report(),
    ]


def resolve_options(config: Config, request: FailoverRequest) -> FailoverOptions:
    """The options of a new failover: target site, source site and mode (probing the
    source when the mode is not given)."""
    target = request.to or config.dr
    config.site(target)
    source = other_site(config, target)
    primary_timeout = float(request.primary_timeout or config.failover.primary_timeout)
    mode = request.mode or (
        "planned" if source_answers(config, source, primary_timeout) else "forced"
    )
    return FailoverOptions(
        source=source,
        target=target,
        mode=mode,
        sync_config=request.sync_config,
        cancel_runs=request.cancel_runs,
        drain_timeout=float(request.drain_timeout or config.failover.drain_timeout),
        primary_timeout=primary_timeout,
        force_split_brain=request.force,
    )


def source_answers(config: Config, site: str, timeout: float) -> bool:
    """Whether the site's workspace answers within `timeout` seconds (one try)."""
    done = threading.Event()
    answered: list[bool] = []

    def probe() -> None:
        try:
            open_site_workspace(config, site, timeout=timeout, retry=NO_RETRY).ping()
            answered.append(True)
        except (StandbyError, OSError):
            answered.append(False)
        finally:
            done.set()

    threading.Thread(target=probe, daemon=True, name="standby-probe").start()
    return done.wait(timeout) and bool(answered and answered[0])


def workspaces_for(options: FailoverOptions) -> Callable[[Config, str], SiteWorkspace]:
    """Forced: the old primary's workspace is asked once, with the probe's timeout."""

    def factory(config: Config, site: str) -> SiteWorkspace:
        if options.mode == "forced" and site == options.source:
            return open_site_workspace(
                config, site, timeout=options.primary_timeout, retry=NO_RETRY
            )
        return open_site_workspace(config, site)

    return factory


def home(config: Config) -> SiteHandle:
    """The site whose home root keeps the lease and the journals: the DR site of the config
    (the one a regional outage of the primary leaves standing); mirrored to the other."""
    return SiteHandle(config, config.dr)


def _mirrors(config: Config, options: FailoverOptions) -> list[Callable[[], Any]]:
    """The journal's copy on the other site; not in a forced failover, whose premise is
    that the old primary is gone (a local root that is gone would be made anew)."""
    other = SiteHandle(config, other_site(config, config.dr))
    if options.mode == "forced" and other.name == options.source:
        return []
    return [lambda: other.home]


def failover(
    config: Config,
    request: FailoverRequest,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    on_event: Callable[[Event], None] | None = None,
    confirm: Callable[[Planned], bool] | None = None,
) -> Planned | Journal:
    """Run (or resume, or plan) a failover; returns the plan of a dry run, else the journal
    with its report. Raises the first step's failure (the journal says where it stopped)."""
    return execute(
        config,
        request,
        kind=KIND,
        fresh=lambda: resolve_options(config, request),
        steps=lambda options: steps_for(options, config),
        dry_run=dry_run,
        clock=clock,
        on_event=on_event,
        confirm=confirm,
    )


def execute(
    config: Config,
    request: FailoverRequest,
    *,
    kind: str,
    fresh: Callable[[], FailoverOptions],
    steps: Callable[[FailoverOptions], list[Step[FailoverContext]]],
    dry_run: bool = False,
    clock: Clock | None = None,
    on_event: Callable[[Event], None] | None = None,
    confirm: Callable[[Planned], bool] | None = None,
) -> Planned | Journal:
    """Resume the unfinished operation of `kind`, or start one with `fresh()` options: its
    plan on a dry run (or to confirm), else its run under the lease, journaled."""
    clock = clock or SystemClock()
    store = home(config).home
    journal = _resumable(store, request, kind)
    options = resumed_options(journal, request) if journal else fresh()
    ctx = FailoverContext(config, options, clock, workspaces_for(options))
    chosen = steps(options)
    if dry_run or (confirm is not None and journal is None):
        planned = Planned(options, plan(chosen, ctx), kind)
        if dry_run or confirm is None or not confirm(planned):
            return planned
    runner = Runner(home=store, clock=clock, mirrors=_mirrors(config, options), on_event=on_event)
    journal = journal or runner.start(kind, options.to_args(), chosen)
    return runner.run(journal, chosen, ctx, force=request.force)


def resumed_options(journal: Journal, request: FailoverRequest) -> FailoverOptions:
    """The options a resumed failover was started with; how to get past a stuck drain
    (--cancel-runs, --drain-timeout) may be given anew, and is recorded."""
    options = FailoverOptions(**journal.args)
    if request.cancel_runs:
        options = replace(options, cancel_runs=True)
    if request.drain_timeout is not None:
        options = replace(options, drain_timeout=request.drain_timeout)
    journal.args = options.to_args()
    return options


def _resumable(store: Any, request: FailoverRequest, kind: str) -> Journal | None:
    """The operation to continue: `--resume ID`, else the newest unfinished one of `kind`
    (one refused in its preflight left no journal: it starts afresh)."""
    if request.resume:
        journal = load(store, request.resume)
        if journal.kind != kind:
            raise BadInput(f"Operation {request.resume} is a {journal.kind}, not a {kind}.")
        return journal
    return unfinished(store, kind=kind)
