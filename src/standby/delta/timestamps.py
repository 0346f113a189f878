"""Commit timestamps from the log itself (invariant 6), and the version at a time.

With in-commit timestamps the commitInfo carries `inCommitTimestamp`; otherwise its
`timestamp`. Older timestamps are made strictly increasing the way Delta does, so a time
maps to one version. Object modification times are never used: copies do not keep them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from standby.errors import BadInput, TimestampOutOfRange


def commit_info_of(raw: bytes) -> dict[str, Any]:
    """The commitInfo of a commit's bytes, parsing only the line that holds it (found by a
    byte search: a commit of 100,000 adds is not split into lines for one of them)."""
    start = 0
    while (at := raw.find(b'"commitInfo"', start)) != -1:
        begin = raw.rfind(b"\n", 0, at) + 1
        end = raw.find(b"\n", at)
        end = len(raw) if end == -1 else end
        start = end
        try:
            action = json.loads(raw[begin:end])
        except json.JSONDecodeError:
            continue
        if isinstance(action, dict) and "commitInfo" in action:
            return action["commitInfo"] or {}
    return {}


def timestamp_of(info: dict[str, Any]) -> int | None:
    """A commit's time in ms since the epoch: inCommitTimestamp, else timestamp."""
    value = info.get("inCommitTimestamp", info.get("timestamp"))
    return int(value) if value is not None else None


def monotonic(timestamps: list[tuple[int, int | None]]) -> list[tuple[int, int]]:
    """(version, ts) ascending, each ts raised to one more than the previous if needed."""
    out: list[tuple[int, int]] = []
    previous: int | None = None
    for version, ts in sorted(timestamps):
        if ts is None:
            continue
        if previous is not None and ts <= previous:
            ts = previous + 1
        out.append((version, ts))
        previous = ts
    return out


def version_at(timestamps: list[tuple[int, int | None]], at_ms: int, *, table: str) -> int:
    """The newest version committed at or before `at_ms`."""
    series = monotonic(timestamps)
    if not series:
        raise BadInput(f"The log of {table} records no commit timestamps to resolve a time.")
    if at_ms < series[0][1]:
        raise TimestampOutOfRange(
            f"{format_ms(at_ms)} is before the first retained commit of {table} "
            f"(version {series[0][0]} at {format_ms(series[0][1])}).",
            hint="Pick a later time, or a version from `standby table history`.",
        )
    chosen = series[0][0]
    for version, ts in series:
        if ts > at_ms:
            break
        chosen = version
    return chosen


def parse_time(text: str) -> int:
    """A user's time: ISO 8601 (UTC when no zone is given) or ms since the epoch."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise BadInput(
            f"{text!r} is not a time.",
            hint="Give ISO 8601 like '2025-01-28 10:00:00' (UTC) or ms since the epoch.",
        ) from e
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def format_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
