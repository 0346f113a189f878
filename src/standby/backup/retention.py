"""Which backups a retention keeps, as restic's `forget` decides, per table.

Backups newest first; keep_last N keeps the N newest; keep_daily N keeps the newest backup
of each of the N most recent days that have one (weekly: ISO weeks, monthly: months, in
UTC); keep_within D keeps every backup made less than D before `now`. A backup kept by any
rule is kept. Whatever the rules say, the newest backup of each table that is not known to
be broken is kept. A pure function: the caller deletes, or only shows, what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from standby.backup.catalog import BackupEntry
from standby.config import Retention, format_duration
from standby.errors import BadInput

NEWEST_VERIFIED = "newest verified"
Bucket = Callable[[datetime], object]
BUCKETS: dict[str, Bucket] = {
    "daily": lambda t: t.date(),
    "weekly": lambda t: t.isocalendar()[:2],
    "monthly": lambda t: (t.year, t.month),
}


@dataclass
class RetentionPlan:
    """Every backup given, either kept (with the rules that keep it) or deleted."""

    keep: dict[str, list[str]] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)


def plan_retention(
    entries: Sequence[BackupEntry],
    retention: Retention,
    *,
    now_ms: int,
    broken: Collection[str] = (),
) -> RetentionPlan:
    """Split `entries` into kept and deleted under `retention`; `broken` holds the ids of
    backups that verify found broken. Raises BadInput for a retention with no rule."""
    if not any(getattr(retention, f) for f in type(retention).model_fields):
        raise BadInput(
            "The retention has no rule, so it would delete every backup.",
            hint="Set at least one of keep_last, keep_daily, keep_weekly, keep_monthly, "
            "keep_within.",
        )
    plan = RetentionPlan()
    by_table: dict[str, list[BackupEntry]] = {}
    for e in entries:
        by_table.setdefault(e.table, []).append(e)
    for group in by_table.values():
        newest_first = sorted(group, key=lambda e: (e.created, e.id), reverse=True)
        for e, reasons in zip(
            newest_first, _reasons(newest_first, retention, now_ms, broken), strict=True
        ):
            if reasons:
                plan.keep[e.id] = reasons
            else:
                plan.delete.append(e.id)
    return plan


def _reasons(
    newest_first: list[BackupEntry], retention: Retention, now_ms: int, broken: Collection[str]
) -> list[list[str]]:
    last = retention.keep_last or 0
    counts = {name: getattr(retention, f"keep_{name}") or 0 for name in BUCKETS}
    previous: dict[str, object] = {}
    newest_good = next((e.id for e in newest_first if e.id not in broken), None)
    out = []
    for e in newest_first:
        reasons = []
        if last > 0:
            last -= 1
            reasons.append(f"last {retention.keep_last}")
        moment = datetime.fromtimestamp(e.created / 1000, tz=UTC)
        for name, bucket in BUCKETS.items():
            value = bucket(moment)
            if counts[name] > 0 and previous.get(name) != value:
                counts[name] -= 1
                previous[name] = value
                reasons.append(f"{name} {getattr(retention, f'keep_{name}')}")
        within = retention.keep_within
        if within and now_ms - e.created < within * 1000:
            reasons.append(f"within {format_duration(within)}")
        if e.id == newest_good:
            reasons.append(NEWEST_VERIFIED)
        out.append(reasons)
    return out
