"""The runner: journals every step before and after it runs, resumes at the first step not
done, leaves no trace when a read-only preflight refuses, always runs clean-up steps, and
measures with the injected clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from standby.errors import ProblemFound, Refused
from standby.operations.journal import Journal, list_journals, load
from standby.operations.lease import read_lease
from standby.operations.runner import Runner, Scope, StepResult
from standby.storage import open_store
from tests.operations.test_lease_control import FakeClock


@dataclass
class Ctx:
    journal: Journal | None = None
    scope: Scope | None = None
    ran: list[str] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)


@dataclass
class Probe:
    name: str
    readonly: bool = False
    cleanup: bool = False
    seconds: float = 1.5
    clock: FakeClock | None = None

    def plan(self, ctx: Ctx) -> list[str]:
        return [f"would {self.name}"]

    def run(self, ctx: Ctx) -> StepResult:
        ctx.ran.append(self.name)
        if self.clock:
            self.clock.sleep(self.seconds)
        assert ctx.scope is not None
        if ctx.scope.get("noted") is None:
            ctx.scope.put("noted", self.name)
        if self.name in ctx.fail:
            raise ProblemFound(f"{self.name} failed")
        return StepResult(f"{self.name} ok", {"value": self.name})

    def check(self, ctx: Ctx) -> None:
        return None


def _steps(clock: FakeClock) -> list[Probe]:
    return [
        Probe("look", readonly=True, clock=clock),
        Probe("change", clock=clock),
        Probe("more", clock=clock),
        Probe("tidy", cleanup=True, clock=clock),
    ]


def test_a_failed_step_stops_the_run_and_a_rerun_resumes_there(tmp_path: Path) -> None:
    store, clock = open_store(str(tmp_path)), FakeClock()
    runner = Runner(home=store, clock=clock)
    steps = _steps(clock)
    journal = runner.start("test", {"x": 1}, steps)
    ctx = Ctx(fail={"more"})
    with pytest.raises(ProblemFound):
        runner.run(journal, steps, ctx)
    saved = load(store, journal.operation_id)
    assert [(s.name, s.status) for s in saved.steps] == [
        ("look", "done"),
        ("change", "done"),
        ("more", "failed"),
        ("tidy", "done"),  # clean-up runs even after a failure
    ]
    assert saved.step("change").seconds == 1.5  # measured on the injected clock
    assert saved.step("more").changed == {"noted": "more"}  # noted mid-step, kept
    assert saved.status == "failed" and "more failed" in (saved.error or "")

    rerun = Ctx()
    done = Runner(home=store, clock=clock).run(saved, steps, rerun)
    assert rerun.ran == ["more"]  # only what was not done
    assert done.status == "done" and done.step("more").attempts == 2
    assert read_lease(store) is not None and read_lease(store).released  # type: ignore[union-attr]


def test_a_refusal_in_the_read_only_prefix_leaves_no_trace(tmp_path: Path) -> None:
    store, clock = open_store(str(tmp_path)), FakeClock()
    runner = Runner(home=store, clock=clock)
    steps = _steps(clock)
    journal = runner.start("test", {}, steps)

    class Refuses(Probe):
        def run(self, ctx: Ctx) -> StepResult:
            raise Refused("no")

    steps[0] = Refuses("look", readonly=True)
    with pytest.raises(Refused):
        runner.run(journal, steps, Ctx())
    assert list_journals(store) == []
    assert read_lease(store) is None
    assert list(store.list("")) == []


def test_steps_that_differ_from_the_journal_are_refused(tmp_path: Path) -> None:
    store, clock = open_store(str(tmp_path)), FakeClock()
    runner = Runner(home=store, clock=clock)
    journal = runner.start("test", {}, _steps(clock))
    with pytest.raises(Exception, match="other steps"):
        runner.run(journal, _steps(clock)[:2], Ctx())
