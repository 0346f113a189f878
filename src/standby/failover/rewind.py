"""Rewinding the old primary to the fork with the new one, without deleting anything.

After a forced failover both sides wrote as primary: the old one commits that never
reached the new one, the new one commits of its own at the same version numbers. The
fork F is the newest version whose commit bytes are identical on both sides. Every log
file of the old side after F moves into `_standby/orphaned/<operation>/` with a manifest
(versions, operations, times, files added, row counts), in an order that keeps the log
readable at some version at every instant (invariant 16):

1. copy each file aside (a rerun copies what is still in the log, keeps what is aside);
2. move `_last_checkpoint` aside when it names a version after F; write the manifest;
3. delete the moved files from the log: checkpoints first, then commits newest first.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from standby.delta import DeltaLog
from standby.delta.actions import parse_actions
from standby.delta.log import LAST_CHECKPOINT, LOG_DIR, LogFile, LogKind, LogListing
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import ObjectNotFound
from standby.storage import ObjectStore

ORPHANED_DIR = "_standby/orphaned"
MANIFEST = "manifest.json"
# The rows a commit wrote, as Spark ("numOutputRows", MERGE's inserted rows) and delta-rs
# ("num_added_rows") record them in commitInfo.operationMetrics.
ROW_METRICS = (
    "numOutputRows",
    "num_added_rows",
    "numTargetRowsInserted",
    "num_target_rows_inserted",
)


@dataclass(frozen=True)
class OrphanedCommit:
    version: int
    operation: str | None
    timestamp_ms: int | None
    added_files: list[str]
    rows: int | None  # rows written, from commitInfo's operation metrics where recorded
    metrics: dict[str, Any] = field(default_factory=dict)  # the writer's own, as recorded


@dataclass
class Manifest:
    """What was moved aside from one table by one operation."""

    operation_id: str
    fork: int
    commits: list[OrphanedCommit] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # log paths, relative to the table

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        data["commits"] = [OrphanedCommit(**c) for c in data["commits"]]
        return cls(**data)


def find_fork(old: DeltaLog, new: DeltaLog, *, hint: int | None = None) -> int | None:
    """The newest version whose commit is byte-identical on both sides (None: none is).

    `hint` (the version the new side was promoted at) is tried first: the usual fork, so
    an outage of n commits costs a few reads instead of n."""
    old_listing, new_listing = old.list(), new.list()
    if old_listing.latest is None or new_listing.latest is None:
        return None
    top = min(old_listing.latest, new_listing.latest)
    at_hint = hint is not None and hint <= top and _same(old, new, hint)
    if at_hint and (hint == top or not _same(old, new, hint + 1)):  # type: ignore[operator]
        return hint
    low = min(set(old_listing.commits) & set(new_listing.commits), default=top + 1)
    for version in range(top, low - 1, -1):
        if _same(old, new, version):
            return version
    return None


def _same(old: DeltaLog, new: DeltaLog, version: int) -> bool:
    mine = old.read_raw(version)
    return mine is not None and mine == new.read_raw(version)


def beyond(listing: LogListing, fork: int) -> list[LogFile]:
    """The log files of versions after the fork: commits, checkpoints (every part), crcs."""
    files = [f for v, f in listing.commits.items() if v > fork]
    files += [f for v, parts in listing.checkpoints.items() if v > fork for f in parts]
    return files + [
        f
        for f in listing.others
        if f.kind in (LogKind.CRC, LogKind.COMPACTED) and (f.version or 0) > fork
    ]


def aside(operation_id: str, path: str = "") -> str:
    return f"{ORPHANED_DIR}/{operation_id}/{path}".rstrip("/")


def move_aside(store: ObjectStore, *, fork: int, operation_id: str) -> Manifest:
    """Move every log file after `fork` into the orphaned folder (steps 1-4 above).
    Idempotent: a rerun after a crash at any point ends in the same state."""
    log = DeltaLog(store)
    listing = log.list()
    for f in beyond(listing, fork):
        store.copy_from(store, f.path, aside(operation_id, f.path))
    _rewind_hint(store, operation_id, fork)
    manifest = _manifest(store, fork=fork, operation_id=operation_id)
    store.put(aside(operation_id, MANIFEST), manifest.to_json())
    doomed = beyond(listing, fork)
    for f in sorted(doomed, key=lambda f: (f.kind is LogKind.COMMIT, -(f.version or 0))):
        store.delete(f.path)
    return manifest


def _manifest(store: ObjectStore, *, fork: int, operation_id: str) -> Manifest:
    """The manifest from what lies aside (all of it, whatever an earlier attempt moved)."""
    moved = sorted(
        o.path.removeprefix(aside(operation_id) + "/")
        for o in store.list(aside(operation_id, LOG_DIR))
    )
    commits = []
    for path in moved:
        name = path.rsplit("/", 1)[-1]
        if name.endswith(".json") and name[:20].isdigit() and len(name) == 25:
            raw = store.get(aside(operation_id, path))
            commits.append(_describe(int(name[:20]), raw, path))
    return Manifest(operation_id, fork, sorted(commits, key=lambda c: c.version), moved)


def _describe(version: int, raw: bytes, where: str) -> OrphanedCommit:
    actions = parse_actions(raw, where=where)
    info = commit_info_of(raw) or {}
    metrics: dict[str, Any] = info.get("operationMetrics") or {}
    rows = next((int(metrics[k]) for k in ROW_METRICS if k in metrics), None)
    added = [a["add"]["path"] for a in actions if "add" in a]
    return OrphanedCommit(version, info.get("operation"), timestamp_of(info), added, rows, metrics)


def _rewind_hint(store: ObjectStore, operation_id: str, fork: int) -> None:
    """A `_last_checkpoint` naming a version after the fork moves aside too: without it,
    readers find the newest checkpoint by listing, which is always right."""
    try:
        hint = json.loads(store.get(LAST_CHECKPOINT))
    except (ObjectNotFound, ValueError):
        return
    if int(hint.get("version", -1)) > fork:
        store.copy_from(store, LAST_CHECKPOINT, aside(operation_id, LAST_CHECKPOINT))
        store.delete(LAST_CHECKPOINT)


def read_manifests(store: ObjectStore) -> list[Manifest]:
    """Every manifest of a table's orphaned folder, oldest operation first."""
    found = []
    for info in store.list(ORPHANED_DIR):
        if info.path.endswith("/" + MANIFEST):
            found.append(Manifest.from_json(store.get(info.path)))
    return sorted(found, key=lambda m: m.operation_id)
