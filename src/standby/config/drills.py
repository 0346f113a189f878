"""The `drills:` section of standby.yml: which jobs and queries a drill runs in DR, and how
often each level is due (the DR guide's section 6.1)."""

from __future__ import annotations

from typing import Literal

from standby.config.types import Duration, StrictModel

Frequency = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
LEVELS = ("basic", "intermediate", "full")
# How long after a drill the next one of its level is due (a month or a year at its longest).
PERIOD_SECONDS: dict[str, int] = {
    "daily": 86_400,
    "weekly": 7 * 86_400,
    "monthly": 31 * 86_400,
    "quarterly": 92 * 86_400,
    "yearly": 366 * 86_400,
}
# When a scheduled drill runs: 03:00 UTC on the first day of its period.
CRON: dict[str, str] = {
    "daily": "0 3 * * *",
    "weekly": "0 3 * * 1",
    "monthly": "0 3 1 * *",
    "quarterly": "0 3 1 1,4,7,10 *",
    "yearly": "0 3 1 1 *",
}


class DrillFrequency(StrictModel):
    """How often each level is due; the guide's checklist by default."""

    basic: Frequency = "weekly"
    intermediate: Frequency = "monthly"
    full: Frequency = "yearly"

    def of(self, level: str) -> Frequency:
        value: Frequency = getattr(self, level)
        return value


class Drills(StrictModel):
    """`jobs` run once in DR (intermediate and full) and must succeed; `queries` run on a
    DR SQL warehouse against the drill catalog's copies (full), written with the tables'
    production names."""

    jobs: list[str] = []
    queries: list[str] = []
    frequency: DrillFrequency = DrillFrequency()
    job_timeout: Duration = 1800
