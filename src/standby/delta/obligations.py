"""What a new commit owes the features of the table it goes to (PROTOCOL.md's writer
requirements), for the commits standby writes: a clone's version 0 or re-clone, a restore.

Row tracking: every new add gets a fresh `baseRowId` above the high-water mark and the
commit's version as `defaultRowCommitVersion`; the mark is recorded in the
`delta.rowTracking` domain. Identity columns and column mapping: a high-water mark and
`delta.columnMapping.maxColumnId` never go down. Iceberg compatibility: every new add carries
`numRecords`, and a replace keeps the partition column names.
"""

from __future__ import annotations

import json
from typing import Any

from standby.delta.features import writer_features
from standby.errors import UnsupportedFeature

ROW_TRACKING = "delta.rowTracking"
CLUSTERING = ("delta.clustering", "delta.liquid")  # the second: its preview name
ROW_FIELDS = ("baseRowId", "defaultRowCommitVersion")
HIGH_WATER_MARK = "delta.identity.highWaterMark"
MAX_COLUMN_ID = "delta.columnMapping.maxColumnId"
ICEBERG = ("icebergCompatV1", "icebergCompatV2", "icebergCompatV3")


def num_records(add: dict[str, Any]) -> int | None:
    try:
        value = json.loads(add.get("stats") or "{}").get("numRecords")
    except (ValueError, AttributeError):
        return None
    return int(value) if value is not None else None


def require_num_records(adds: list[dict[str, Any]], *, feature: str, table: str) -> None:
    """Refuse when a file lacks the numRecords statistic a feature needs on every new add."""
    lacking = [a["path"] for a in adds if num_records(a) is None]
    if lacking:
        raise UnsupportedFeature(
            f"Cannot write {table}: the table feature {feature} needs the numRecords "
            f"statistic on every added file, and {len(lacking)} file(s) have none "
            f"({', '.join(lacking[:3])}).",
            hint="Compute statistics on the source (ANALYZE TABLE ... COMPUTE DELTA STATISTICS).",
        )


def high_water_mark(domains: dict[str, dict[str, Any]]) -> int:
    """The highest row ID assigned so far (-1: none yet)."""
    domain = domains.get(ROW_TRACKING)
    if not domain or domain.get("removed"):
        return -1
    return int(json.loads(domain.get("configuration") or "{}").get("rowIdHighWaterMark", -1))


def row_tracking_domain(mark: int) -> dict[str, Any]:
    config = json.dumps({"rowIdHighWaterMark": mark}, separators=(",", ":"))
    return {"domain": ROW_TRACKING, "configuration": config, "removed": False}


def assign_row_ids(
    adds: list[dict[str, Any]], *, version: int, mark: int, table: str
) -> tuple[list[dict[str, Any]], int]:
    """Fresh row IDs for the adds that have none (re-added files keep theirs, as the protocol
    asks); returns the adds and the new high-water mark."""
    need = [a for a in adds if a.get("baseRowId") is None]
    require_num_records(need, feature="rowTracking", table=table)
    out = []
    for add in adds:
        if add.get("baseRowId") is None:
            add = {**add, "baseRowId": mark + 1, "defaultRowCommitVersion": version}
            mark += num_records(add) or 0
        elif add.get("defaultRowCommitVersion") is None:
            add = {**add, "defaultRowCommitVersion": version}
        out.append(add)
    return out, mark


def without_row_ids(adds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds stripped of the source's row IDs and commit versions (a clone assigns its own)."""
    return [{k: v for k, v in a.items() if k not in ROW_FIELDS} for a in adds]


def keep_high_water_marks(new: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """`new` metadata whose identity high-water marks and max column id are never below the
    ones `current` already handed out (values above them may exist in the table's history)."""
    out = dict(new)
    schema = json.loads(new.get("schemaString") or "{}")
    seen = {
        f["name"]: f.get("metadata") or {}
        for f in json.loads(current.get("schemaString") or "{}").get("fields", [])
    }
    changed = False
    for f in schema.get("fields", []):
        mine, theirs = f.get("metadata") or {}, seen.get(f["name"], {})
        if HIGH_WATER_MARK not in theirs or "delta.identity.step" not in mine:
            continue
        marks = [int(theirs[HIGH_WATER_MARK])]
        if HIGH_WATER_MARK in mine:
            marks.append(int(mine[HIGH_WATER_MARK]))
        mark = max(marks) if int(mine["delta.identity.step"]) > 0 else min(marks)
        if mine.get(HIGH_WATER_MARK) != mark:
            f["metadata"], changed = {**mine, HIGH_WATER_MARK: mark}, True
    if changed:
        out["schemaString"] = json.dumps(schema, separators=(",", ":"))
    config = new.get("configuration") or {}
    old_id = (current.get("configuration") or {}).get(MAX_COLUMN_ID)
    if old_id is not None and MAX_COLUMN_ID in config and int(old_id) > int(config[MAX_COLUMN_ID]):
        out["configuration"] = {**config, MAX_COLUMN_ID: str(old_id)}
    return out


def uses_iceberg(protocol: dict[str, Any]) -> str | None:
    """The Iceberg compatibility feature the protocol lists, if any."""
    return next((f for f in ICEBERG if f in writer_features(protocol)), None)


def require_same_partitions(
    current: dict[str, Any], new: dict[str, Any], *, feature: str, table: str
) -> None:
    """Iceberg compatibility blocks replacing a table with differently named partitions."""
    old, now = current.get("partitionColumns") or [], new.get("partitionColumns") or []
    if old != now:
        raise UnsupportedFeature(
            f"Cannot replace {table}: the table feature {feature} forbids changing its "
            f"partition columns ({old} -> {now}).",
            hint="Clone into a new location instead.",
        )
