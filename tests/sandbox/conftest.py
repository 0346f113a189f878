"""A sandbox per test, in-process on a free port, and the real SDK client pointed at it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

from standby.sandbox import RunningSandbox, start

STEP = 0.05  # seconds per lifecycle step: runs finish in 0.1 s


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _no_databricks_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK must see only the sandbox: no profile, host or token from the machine.
    import os

    for name in list(os.environ):
        if name.startswith("DATABRICKS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    sb = start(name="test", step_seconds=STEP)
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def w(sandbox: RunningSandbox) -> WorkspaceClient:
    return sandbox.client()


def wait_run(w: WorkspaceClient, run_id: int, timeout: float = 5.0) -> jobs.Run:
    """Poll a run until it is TERMINATED (faster than the SDK's waiter, which sleeps ~1 s)."""
    deadline = time.monotonic() + timeout
    while True:
        run = w.jobs.get_run(run_id)
        assert run.state is not None
        if run.state.life_cycle_state == jobs.RunLifeCycleState.TERMINATED:
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run.state.life_cycle_state}"
        time.sleep(STEP / 2)
