"""Drill history: one JSON document per drill under the DR site's home root
(`_standby/drills/<id>.json`), written by the drill's last step; the trend of a level's
measured RTO and RPO over its drills; and when each level is due again (`standby status`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from statistics import mean
from typing import Any

from standby.config import Config
from standby.config.drills import LEVELS, PERIOD_SECONDS
from standby.errors import BadInput, ObjectNotFound, StandbyError
from standby.failover.sites import SiteHandle
from standby.storage import ObjectStore

DRILLS_DIR = "_standby/drills"
SAME = 0.05  # a change under 5 % of the earlier mean is no change


def history_store(config: Config) -> ObjectStore:
    return SiteHandle(config, config.dr).home


def record_path(drill_id: str) -> str:
    return f"{DRILLS_DIR}/{drill_id}.json"


def save(store: ObjectStore, record: dict[str, Any]) -> None:
    """Write (or rewrite, on a rerun) a drill's record. Idempotent."""
    store.put(record_path(record["drill_id"]), json.dumps(record, indent=2).encode())


def load(store: ObjectStore, drill_id: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = json.loads(store.get(record_path(drill_id)))
    except ObjectNotFound:
        raise BadInput(
            f"No drill {drill_id!r} in {store.url}/{DRILLS_DIR}.",
            hint="`standby drill history` lists the drills there are.",
        ) from None
    return found


def records(store: ObjectStore, *, level: str | None = None) -> list[dict[str, Any]]:
    """Every drill's record (of one level when asked), oldest first; a drill's own area
    (`_standby/drills/<id>/...`, while it runs) is not a record."""
    found = []
    for info in store.list(DRILLS_DIR + "/"):
        name = info.path[len(DRILLS_DIR) + 1 :]
        if "/" in name or not name.endswith(".json"):
            continue
        try:
            record = json.loads(store.get(info.path))
        except (ObjectNotFound, ValueError):  # removed or half-written meanwhile
            continue
        if isinstance(record, dict) and (level is None or record.get("level") == level):
            found.append(record)
    return sorted(found, key=lambda r: (r.get("started_ms") or 0, r.get("drill_id", "")))


def _series(values: list[float | None], current: float | None) -> dict[str, Any]:
    earlier = [v for v in values if v is not None]
    out: dict[str, Any] = {"current": current, "previous": earlier[-1] if earlier else None}
    if current is None or not earlier:
        return out | {"direction": "no earlier measure" if current is not None else "not measured"}
    base = mean(earlier)
    out |= {"mean_previous": round(base, 3), "change": round(current - base, 3)}
    if base == 0:
        out["direction"] = "same" if current == 0 else "worse"
    elif abs(current - base) <= SAME * base:
        out["direction"] = "same"
    else:
        out["direction"] = "better" if current < base else "worse"
    return out


def trend(record: dict[str, Any], earlier: list[dict[str, Any]]) -> dict[str, Any]:
    """The record's RTO and RPO against the earlier drills of its level (lower is better),
    with every drill's measured values, oldest first, the record last."""
    same = [
        r
        for r in earlier
        if r.get("live") == record.get("live")
        and r["drill_id"] != record["drill_id"]
        and (r.get("started_ms") or 0) <= (record.get("started_ms") or 0)
    ]
    points = [
        {k: r.get(k) for k in ("drill_id", "started_ms", "ok", "rto_seconds", "rpo_seconds")}
        for r in [*same, record]
    ]
    return {
        "drills": points,
        "rto": _series([r.get("rto_seconds") for r in same], record.get("rto_seconds")),
        "rpo": _series([r.get("rpo_seconds") for r in same], record.get("rpo_seconds")),
    }


@dataclass(frozen=True)
class LevelStatus:
    level: str
    frequency: str
    last_drill: str | None  # the newest drill that covered the level, passed or not
    last_ms: int | None
    ok: bool | None
    due_ms: int | None  # a period after the newest drill that passed; None: none passed
    overdue: bool


def covers(record: dict[str, Any], level: str) -> bool:
    """A drill covers its own level and every lower one (full runs the basic checks)."""
    return LEVELS.index(str(record.get("level"))) >= LEVELS.index(level)


def level_status(config: Config, *, now_ms: int) -> list[LevelStatus]:
    """Per level: the last drill that covered it and its result, and whether a drill is
    overdue: none passed within the level's frequency (the guide's, or standby.yml's
    `drills.frequency`); a failed drill shows, but does not make the level done."""
    found = records(history_store(config))
    out = []
    for level in LEVELS:
        frequency = config.drills.frequency.of(level)
        done = [r for r in found if covers(r, level) and r.get("ended_ms")]
        last = done[-1] if done else None
        passed = [r for r in done if r.get("ok")]
        due = passed[-1]["ended_ms"] + PERIOD_SECONDS[frequency] * 1000 if passed else None
        out.append(
            LevelStatus(
                level,
                frequency,
                last["drill_id"] if last else None,
                last["ended_ms"] if last else None,
                last.get("ok") if last else None,
                due,
                due is None or due < now_ms,
            )
        )
    return out


def safe_level_status(config: Config, *, now_ms: int) -> list[LevelStatus] | str:
    """level_status, or why it cannot be read (status shows it and goes on)."""
    try:
        return level_status(config, now_ms=now_ms)
    except StandbyError as e:
        return e.message
