"""The follow loop's schedule: each table at its own interval, at a fixed rate, never twice
at once, and no burst after an overrun (times are plain numbers: no clock, no sleep)."""

from __future__ import annotations

import pytest

from standby.replication.schedule import PollSchedule


def _run(schedule: PollSchedule[str], until: float, step: float, took: float) -> dict[str, int]:
    """Drive the schedule with passes that take `took` seconds; count passes per table."""
    passes: dict[str, int] = {}
    ends: list[tuple[float, str]] = []
    now = 0.0
    while now < until:
        for end, key in [e for e in ends if e[0] <= now]:
            schedule.done(key, now=end)
            ends.remove((end, key))
        for key in schedule.due(now):
            passes[key] = passes.get(key, 0) + 1
            ends.append((now + took, key))
        now = round(now + step, 6)
    return passes


def test_each_table_is_polled_at_its_own_interval() -> None:
    intervals = {f"t1-{i}": 1.0 for i in range(100)} | {f"t2-{i}": 60.0 for i in range(100)}
    passes = _run(PollSchedule(intervals, start=0.0), until=120, step=0.01, took=0.05)
    assert {passes[f"t1-{i}"] for i in range(100)} == {120}
    assert {passes[f"t2-{i}"] for i in range(100)} == {2}


def test_a_pass_that_overruns_is_followed_at_once_and_never_overlaps() -> None:
    passes = _run(PollSchedule({"slow": 1.0}, start=0.0), until=10, step=0.01, took=2.5)
    assert passes == {"slow": 4}  # at 0, 2.5, 5, 7.5: back to back, no catch-up burst
    schedule = PollSchedule({"a": 1.0}, start=0.0)
    assert schedule.due(0.0) == ["a"] and schedule.due(5.0) == []  # in flight
    schedule.done("a", now=0.2)
    assert schedule.next_due() == 1.0


def test_limits_order_and_dropping() -> None:
    schedule = PollSchedule({"a": 5.0, "b": 1.0, "c": 1.0}, start=0.0)
    assert schedule.due(0.0, limit=2) == ["a", "b"]
    assert schedule.due(0.0) == ["c"] and schedule.in_flight == 3
    schedule.drop("b")
    schedule.done("b", now=0.1)  # a pass that ends after its table was dropped
    for key in ("a", "c"):
        schedule.done(key, now=0.1)
    assert len(schedule) == 2 and schedule.due(1.0) == ["c"]
    with pytest.raises(ValueError, match="positive"):
        PollSchedule({"x": 0.0}, start=0.0)
