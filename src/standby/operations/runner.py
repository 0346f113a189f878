"""The runner of multi-step operations (DESIGN.md section 8).

An operation is an ordered list of steps. The runner takes the lease, writes the journal
before and after each step, stops at the first failure with the journal saying where, and
on a rerun starts at the first step not done. Steps never call each other: a later step
reads what an earlier one recorded (`journal.changed(name)`). A dry run asks each step
for its plan and writes nothing, not even the journal or the lease.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from standby.errors import StandbyError
from standby.operations.clock import Clock
from standby.operations.journal import Journal, StepRecord, new_journal, save
from standby.operations.lease import Lease
from standby.storage.base import ObjectStore

log = logging.getLogger(__name__)
C = TypeVar("C", contravariant=True)


@dataclass
class StepResult:
    """How a step ended: one line for people, and what it changed, for the journal."""

    outcome: str
    changed: dict[str, Any] = field(default_factory=dict)


class Step(Protocol[C]):
    """One idempotent transition of an operation."""

    name: str
    cleanup: bool  # runs even when an earlier step failed (a drill's clean-up)
    readonly: bool  # changes nothing: a leading run of these needs no lease and no journal

    def plan(self, ctx: C) -> list[str]:
        """What `run` would change, one line each; reads only (the dry run prints this)."""
        ...

    def run(self, ctx: C) -> StepResult:
        """Make the change. Idempotent: checks the target state first and does nothing when
        it is already reached, so a rerun after a crash at any point is safe."""
        ...

    def check(self, ctx: C) -> None:
        """Raise a StandbyError unless the change `run` made holds."""
        ...


class Scope:
    """The running step's own record: what it notes here is saved at once, so a rerun
    after a crash mid-step finds it (e.g. the pause states read before pausing)."""

    def __init__(self, record: StepRecord, save: Callable[[], None]):
        self.record = record
        self._save = save

    def get(self, key: str) -> Any:
        return self.record.changed.get(key)

    def put(self, key: str, value: Any) -> None:
        self.record.changed[key] = value
        self._save()


class Journaled(Protocol):
    """What a context gives the runner: the journal it runs under, the running step's scope."""

    journal: Journal | None
    scope: Scope | None


@dataclass(frozen=True)
class Event:
    """What the runner tells a renderer: a step started, ended or failed."""

    kind: str  # started | done | failed
    record: StepRecord
    journal: Journal


@dataclass(frozen=True)
class PlannedStep:
    name: str
    lines: list[str]


class Runner:
    """Runs the steps of one operation under its lease, journaling every transition."""

    def __init__(
        self,
        *,
        home: ObjectStore,
        clock: Clock,
        mirrors: Sequence[Callable[[], ObjectStore]] = (),
        on_event: Callable[[Event], None] | None = None,
    ):
        self.home = home
        self.clock = clock
        self.mirrors = list(mirrors)
        self.on_event = on_event or (lambda _e: None)
        self._persisting = False  # the lease is held and the journal is being written

    def start(self, kind: str, args: dict[str, Any], steps: Sequence[Step[Any]]) -> Journal:
        """A new journal with every step pending (not saved until `run` holds the lease)."""
        names = [(s.name, s.cleanup) for s in steps]
        return new_journal(kind, args, names, now_ms=self.clock.now_ms())

    def run(
        self, journal: Journal, steps: Sequence[Step[Any]], ctx: Journaled, *, force: bool = False
    ) -> Journal:
        """Run every step not done yet, in order; raise the first failure after the
        clean-up steps have run. The journal is saved before and after each step, from
        the first step that changes something: a refusal in the read-only steps before it
        (a preflight) leaves no trace, not even the lease."""
        by_name = {s.name: s for s in steps}
        if [r.name for r in journal.steps] != [s.name for s in steps]:
            raise StandbyError(
                f"Operation {journal.operation_id} was recorded with other steps than this "
                "version of standby runs.",
                hint="Finish it with the standby version that started it.",
            )
        lease = Lease(self.home, operation_id=journal.operation_id, clock=self.clock)
        ctx.journal = journal
        journal.status = "running"
        try:
            failure = self._run_steps(journal, by_name, ctx, lease, force=force)
            journal.status = "failed" if failure else "done"
            journal.ended_ms = self.clock.now_ms()
            self._save(journal)
        finally:
            if self._persisting:
                lease.release()
        if failure is not None:
            raise failure
        return journal

    def _run_steps(
        self,
        journal: Journal,
        steps: dict[str, Step[Any]],
        ctx: Journaled,
        lease: Lease,
        *,
        force: bool,
    ) -> BaseException | None:
        failure: BaseException | None = None
        if journal.first_unfinished() is None:  # killed after its last step: close it
            lease.acquire(force=force)
            self._persisting = True
        for record in journal.steps:
            if record.status == "done" or (failure is not None and not record.cleanup):
                continue
            step = steps[record.name]
            if not self._persisting and not getattr(step, "readonly", False):
                lease.acquire(force=force)  # LeaseHeld here: nothing was written yet
                self._persisting = True
            try:
                self._run_delegating(journal, record, step, ctx, lease, force=force)
                if self._persisting:
                    lease.renew()
            except (StandbyError, KeyboardInterrupt) as e:
                if not self._persisting:
                    raise  # refused before anything changed: leave no journal behind
                failure = failure or e
                journal.error = journal.error or f"{record.name}: {e}"
        return failure

    def _run_delegating(
        self,
        journal: Journal,
        record: StepRecord,
        step: Step[Any],
        ctx: Any,
        lease: Lease,
        *,
        force: bool,
    ) -> None:
        """A step that runs whole operations of its own (a live drill's failover) gets the
        lease handed over for its duration: each of them takes it, as any operation does."""
        if not (getattr(step, "delegates", False) and self._persisting):
            self._run_step(journal, record, step, ctx)
            return
        lease.release()
        try:
            self._run_step(journal, record, step, ctx)
        finally:
            lease.acquire(force=force)

    def _run_step(self, journal: Journal, record: StepRecord, step: Step[Any], ctx: Any) -> None:
        record.status, record.started_ms, record.ended_ms = "running", self.clock.now_ms(), None
        record.attempts += 1
        self._save(journal)
        ctx.scope = Scope(record, lambda: self._save(journal))
        self.on_event(Event("started", record, journal))
        started = self.clock.monotonic()
        try:
            result = step.run(ctx)
            step.check(ctx)
        except BaseException as e:
            record.status, record.outcome = "failed", str(e)
            self._finish(journal, record, started)
            self.on_event(Event("failed", record, journal))
            raise
        record.status, record.outcome = "done", result.outcome
        record.changed.update(result.changed)
        self._finish(journal, record, started)
        self.on_event(Event("done", record, journal))

    def _finish(self, journal: Journal, record: StepRecord, started: float) -> None:
        record.ended_ms = self.clock.now_ms()
        record.seconds = round(self.clock.monotonic() - started, 3)
        self._save(journal)

    def _save(self, journal: Journal) -> None:
        if not self._persisting:
            return
        save(self.home, journal)
        for mirror in list(self.mirrors):  # best effort: the other site may be the one down
            try:
                save(mirror(), journal)
            except StandbyError as e:  # not tried again in this run: each try costs timeouts
                log.info("journal mirror dropped: %s", e.message)
                self.mirrors.remove(mirror)


def plan(steps: Sequence[Step[C]], ctx: C) -> list[PlannedStep]:
    """Every step's plan, in order: the dry run; nothing is written."""
    return [PlannedStep(s.name, s.plan(ctx)) for s in steps]
