"""The clock operations are measured by: wall time for the journal, a monotonic clock for
durations, and sleep; injectable so that tests of waits and expiries do not wait."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Wall-clock milliseconds since the epoch (what the journal records)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (what durations are measured on)."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
