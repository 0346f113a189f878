"""Acceptance 5 of scale-out, on a virtual clock: 200 tables (100 tier1 polled every
second, 100 tier2 every minute) followed for 60 s by one process with a bounded pool; the
list requests a request-counting store wrapper sees match the tier intervals within 10%,
and tier1 lag (commit to replica) stays under 3 s at p99.

The clock is virtual so that the suite does not spend a minute here: time moves only when
no pass is running, so this checks the schedule and the loop, every pass real (real
stores, real replication). `python -m bench.follow_scale` runs the same scenario on the
real clock for 60 s (the README's numbers).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path

from bench.follow_scale import TIERS, build, run

from standby.replication import TableReplication
from standby.replication.follow import GIL_SWITCH_SECONDS, follow
from standby.replication.pair import Pair

STEP = 0.25  # the virtual clock moves in steps no longer than this


class VirtualClock:
    """Seconds that pass only when the loop waits with nothing running; `on_advance` is
    called at each step (the writer), and the run stops at `end`."""

    def __init__(self, end: float, on_advance: Callable[[float], None]):
        self.t, self.end, self.on_advance = 0.0, end, on_advance

    def now(self) -> float:
        return self.t

    def wait(self, running: list[Future[bool]], until: float | None, stop: threading.Event) -> None:
        if running:
            wait(running, return_when=FIRST_COMPLETED)
            return
        target = self.end if until is None else min(until, self.end)
        while self.t < target:
            self.t = min(target, self.t + STEP)
            self.on_advance(self.t)
        if self.t >= self.end:
            stop.set()


def test_200_tables_are_polled_at_their_tier_intervals_with_tier1_lag_under_3s(
    tmp_path: Path,
) -> None:
    scenario = build(tmp_path, tier1=100, tier2=100)
    clock = VirtualClock(60.0, lambda t: scenario.write(t, int(t * 1000)))
    out = run(scenario, seconds=60.0, clock=clock, parallel=8, wall_ms=lambda: 0)
    assert out.expected == {"tier1": 12_000, "tier2": 200}
    for tier in TIERS:
        assert abs(out.lists[tier] - out.expected[tier]) <= 0.1 * out.expected[tier], out.lists
    assert out.commits >= 1000  # ten tier1 tables written every half second
    assert out.lag_p99 < 3.0, (out.lag_p50, out.lag_p99)


def test_passes_run_with_a_short_thread_switch_interval_and_it_is_restored(
    tmp_path: Path,
) -> None:
    """Passes in flight together would queue behind the 5 ms default at every storage call
    (bench.follow_scale: 242 ms a pass instead of 38 ms); the process's setting comes back."""
    scenario = build(tmp_path, tier1=2, tier2=0)
    stop = threading.Event()
    seen: list[float] = []

    def on_pass(_: Pair, __: TableReplication) -> None:
        seen.append(sys.getswitchinterval())
        if len(seen) >= 4:
            stop.set()

    before = sys.getswitchinterval()
    follow(scenario.pairs, stop=stop, interval=0.01, parallel=2, on_pass=on_pass)
    assert seen and max(seen) <= GIL_SWITCH_SECONDS < before
    assert sys.getswitchinterval() == before
