"""`standby drill`: a DR test at one of three levels (the DR guide's section 6), run as an
operation: its checks and clean-up are steps journaled by the runner under the lease, its
report and history written by its last step.

- basic: DR workspace answers, control objects consistent, replicas whole and within
  RPO, backups on schedule and readable.
- intermediate: basic, plus no configuration drift, a restore test from backups, and
  each `drills.jobs` job run once in DR.
- full: intermediate, plus a test failover that touches nothing in production (clones
  at safe points in an isolated catalog, validated, removed); `live` instead runs a
  real planned failover and failback.

A rerun first finishes a drill that did not end (its clean-up always runs or resumes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from standby.config import Config
from standby.drill.backups import BackupsFresh, RestoreTest
from standby.drill.basic import ControlObjects, DrWorkspace, Replicas
from standby.drill.cleanup import DropCatalog, RemoveArea
from standby.drill.context import LEVELS, DrillContext, DrillOptions, Level, sides
from standby.drill.intermediate import Drift, DrillJobs
from standby.drill.live import LiveFailback, LiveFailover
from standby.drill.rehearsal import DrillCatalog, SafePointClones, Validate
from standby.drill.report import Report
from standby.errors import BadInput, ProblemFound
from standby.failover.service import home
from standby.operations.clock import Clock, SystemClock
from standby.operations.journal import Journal, unfinished
from standby.operations.runner import Event, PlannedStep, Runner, Step, plan
from standby.site_options import options_by_url

KIND = "drill"


@dataclass(frozen=True)
class DrillRequest:
    level: Level
    live: bool = False
    force: bool = False  # take over a stale lease of another host


@dataclass(frozen=True)
class DrillPlan:
    """A dry run: the steps and what each would do."""

    options: DrillOptions
    steps: list[PlannedStep]
    resumes: str | None  # the unfinished drill a real run would finish first


@dataclass(frozen=True)
class DrillOutcome:
    report: dict[str, Any]
    resumed: bool  # this run finished a drill an earlier run started

    def check(self) -> None:
        """Raise ProblemFound (exit 1) naming each failed check, why, and where to look."""
        failed = self.report.get("failed") or []
        if not failed:
            return
        lines = [f"{f['name']}: {f['detail']} (more: {f['command']})" for f in failed]
        raise ProblemFound(
            f"Drill {self.report['drill_id']} ({self.report['level']}) failed "
            f"{len(failed)} check(s): " + "; ".join(lines),
        )


def steps_for(level: Level, *, live: bool = False) -> list[Step[DrillContext]]:
    """The steps of a drill at `level`, in order: the checks of each level up to it, the
    test failover (or the live one), the clean-up, the report."""
    if level not in LEVELS:
        raise BadInput(f"--level must be one of {', '.join(LEVELS)}, not {level!r}.")
    if live and level != "full":
        raise BadInput("--live runs a real failover and failback: it is a full drill.")
    steps: list[Step[DrillContext]] = [DrWorkspace(), ControlObjects(), Replicas(), BackupsFresh()]
    if level != "basic":
        steps += [Drift(), RestoreTest(), DrillJobs()]
    if level == "full" and live:
        steps += [LiveFailover(), LiveFailback()]
    elif level == "full":
        steps += [SafePointClones(), DrillCatalog(), Validate(), DropCatalog()]
    if level != "basic":
        steps.append(RemoveArea())
    return [*steps, Report()]


def _options(config: Config, request: DrillRequest) -> DrillOptions:
    source, target = sides(config)
    return DrillOptions(level=request.level, live=request.live, source=source, target=target)


def drill(
    config: Config,
    request: DrillRequest,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> DrillPlan | DrillOutcome:
    """Run (or plan) a drill; a drill an earlier run left unfinished is finished first,
    whatever level is asked. Returns the plan of a dry run, else the outcome with the
    report. Stores are reached with each site's storage options from standby.yml."""
    clock = clock or SystemClock()
    with options_by_url(config.storage_options_for):
        store = home(config).home
        journal = unfinished(store, kind=KIND)
        options = DrillOptions(**journal.args) if journal else _options(config, request)
        steps_for(request.level, live=request.live)  # the request is checked even on a resume
        chosen = steps_for(options.level, live=options.live)
        ctx = DrillContext(config, options, clock, journal=journal)  # its id names its places
        if dry_run:
            planned = plan(chosen, ctx)
            return DrillPlan(options, planned, journal.operation_id if journal else None)
        runner = Runner(home=store, clock=clock, on_event=on_event)
        resumed = journal is not None
        journal = journal or runner.start(KIND, options.to_args(), chosen)
        finished = runner.run(journal, chosen, ctx, force=request.force)
    return DrillOutcome(finished.report or {}, resumed)


def unfinished_drill(config: Config) -> Journal | None:
    """The drill an earlier run left unfinished, if any."""
    with options_by_url(config.storage_options_for):
        return unfinished(home(config).home, kind=KIND)
