"""When each followed table is polled next: one interval per table (its tier's), kept at a
fixed rate, so a day of following asks storage for what the tiers say and no more.

A table is due at its start time plus its interval; a pass that overran its interval makes
the next one due at once, not a burst of missed ones. A table in flight is never due again
until its pass is done, so one slow table holds one worker of the bounded pool, not all.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class PollSchedule(Generic[K]):
    """Due times of tables, each with its own interval in seconds (times: any clock)."""

    def __init__(self, intervals: Mapping[K, float], *, start: float):
        bad = [k for k, s in intervals.items() if not s > 0]
        if bad:
            raise ValueError(f"poll intervals must be positive: {bad[:3]}")
        self.intervals = dict(intervals)
        self._tie = itertools.count()  # equal due times in insertion order, keys never compared
        self._heap: list[tuple[float, int, K]] = [
            (start, next(self._tie), key) for key in self.intervals
        ]
        heapq.heapify(self._heap)
        self._started: dict[K, float] = {}

    def __len__(self) -> int:
        """Tables still followed (due or in flight)."""
        return len(self.intervals)

    def next_due(self) -> float | None:
        """The earliest due time of a table not in flight (None: all are in flight)."""
        return self._heap[0][0] if self._heap else None

    def due(self, now: float, *, limit: int | None = None) -> list[K]:
        """Tables due at `now`, earliest first (at most `limit`), now in flight."""
        out: list[K] = []
        while self._heap and self._heap[0][0] <= now and (limit is None or len(out) < limit):
            due_at, _, key = heapq.heappop(self._heap)
            self._started[key] = due_at
            out.append(key)
        return out

    def done(self, key: K, *, now: float) -> None:
        """A pass of `key` ended at `now`: it is due one interval after its due time, or
        now if the pass took longer than that."""
        due_at = self._started.pop(key, None)
        if due_at is not None and key in self.intervals:
            next_at = max(due_at + self.intervals[key], now)
            heapq.heappush(self._heap, (next_at, next(self._tie), key))

    def drop(self, key: K) -> None:
        """Stop following `key` (refused): it is never due again."""
        self.intervals.pop(key, None)
        self._started.pop(key, None)
        self._heap = [entry for entry in self._heap if entry[2] != key]
        heapq.heapify(self._heap)

    @property
    def in_flight(self) -> int:
        return len(self._started)
