"""Rewinding the old primary to the fork with the new one, without deleting anything.

After a forced failover both sides wrote as primary: the old one commits that never
reached the new one, the new one commits of its own at the same version numbers. The
fork F is the newest version whose commit bytes are identical on both sides. Every log
file of the old side after F moves into `_standby/orphaned/<operation>/` with a manifest
(versions, operations, times, files added, row counts), in an order that keeps the log
readable at some version at every instant (invariant 16):

1. copy each file aside (a rerun copies what is still in the log, keeps what is aside);
2. move `_last_checkpoint` aside when it names a version after F;
3. copy back from the new side the files of F that the old side lost after the fork (a
   VACUUM there after a DELETE or OPTIMIZE): F must read whole once it is the latest;
4. write the manifest; delete the moved files from the log: checkpoints first, then
   commits newest first.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from standby.delta import DeltaLog, load_snapshot
from standby.delta.actions import parse_actions
from standby.delta.log import LAST_CHECKPOINT, LOG_DIR, LogFile, LogKind, LogListing
from standby.delta.snapshot import files_of, object_path
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.engines import default_executor
from standby.errors import ObjectNotFound
from standby.replication.files import copy_files, missing_on_target
from standby.storage import ObjectStore

ORPHANED_DIR = "_standby/orphaned"
CHECKPOINTS = (LogKind.CHECKPOINT, LogKind.CHECKPOINT_PART, LogKind.CHECKPOINT_V2)
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
    removed_files: list[str] = field(default_factory=list)  # data and DV files it removed


@dataclass
class Manifest:
    """What was moved aside from one table by one operation."""

    operation_id: str
    fork: int
    commits: list[OrphanedCommit] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # log paths, relative to the table
    # Files of the fork the old side had lost (vacuumed after the fork): copied back from
    # the new side, or, when that had lost them too, listed as lost.
    restored: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)  # a manifest of an older standby lacks the newer keys
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


@dataclass(frozen=True)
class ToMove:
    """What a rewind to the fork would move aside (the dry run's plan)."""

    commits: list[int]
    checkpoints: list[int]
    hint: bool  # `_last_checkpoint` names a version after the fork


def to_move(store: ObjectStore, fork: int) -> ToMove:
    files = beyond(DeltaLog(store).list(), fork)
    commits = sorted(f.version for f in files if f.kind is LogKind.COMMIT and f.version is not None)
    checkpoints = sorted(
        {f.version for f in files if f.kind in CHECKPOINTS and f.version is not None}
    )
    return ToMove(commits, checkpoints, _hint_after(store, fork))


def spans(versions: list[int]) -> str:
    """Versions as runs: [4, 5, 6, 9] -> 'v4..v6, v9'."""
    runs: list[list[int]] = []
    for v in sorted(versions):
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"v{r[0]}..v{r[-1]}" if len(r) > 1 else f"v{r[0]}" for r in runs)


def aside(operation_id: str, path: str = "") -> str:
    return f"{ORPHANED_DIR}/{operation_id}/{path}".rstrip("/")


def move_aside(
    store: ObjectStore,
    *,
    fork: int,
    operation_id: str,
    restore_from: ObjectStore | None = None,
) -> Manifest:
    """Move every log file after `fork` into the orphaned folder (steps 1-4 above), the
    files the fork lacks restored from `restore_from` (the new primary's copy) first.
    Idempotent: a rerun after a crash at any point ends in the same state."""
    log = DeltaLog(store)
    listing = log.list()
    for f in beyond(listing, fork):
        store.copy_from(store, f.path, aside(operation_id, f.path))
    _rewind_hint(store, operation_id, fork)
    manifest = _manifest(store, fork=fork, operation_id=operation_id)
    if restore_from is not None and fork >= 0:
        restored, lost = restore_fork(store, restore_from, manifest)
        earlier = _read_manifest(store, operation_id)  # a rerun finds them restored already
        manifest.restored = sorted({*restored, *(earlier.restored if earlier else [])})
        manifest.lost = sorted({*lost, *(earlier.lost if earlier else [])})
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
    removed = [f.path for f in files_of([a["remove"] for a in actions if "remove" in a])]
    return OrphanedCommit(
        version, info.get("operation"), timestamp_of(info), added, rows, metrics, removed
    )


def restore_fork(
    old: ObjectStore, new: ObjectStore, manifest: Manifest
) -> tuple[list[str], list[str]]:
    """Copy from `new` the files the fork's snapshot references that `old` no longer has;
    returns (restored, lost on both sides). Only files an orphaned commit removed can have
    been vacuumed since the fork, so only those are looked at: a head each, not the table."""
    removed = {object_path(p) for c in manifest.commits for p in c.removed_files}
    if not removed:
        return [], []
    snapshot = load_snapshot(DeltaLog(old), manifest.fork)
    needed = [f for f in snapshot.referenced_files() if object_path(f.path) in removed]
    missing = missing_on_target(needed, old)
    outcome = copy_files(missing, new, old, default_executor(), None)
    lost = set(outcome.vacuumed)
    restored = sorted(object_path(f.path) for f in missing if object_path(f.path) not in lost)
    return restored, sorted(lost)


def _hint_after(store: ObjectStore, fork: int) -> bool:
    """Whether `_last_checkpoint` names a version after the fork."""
    try:
        hint = json.loads(store.get(LAST_CHECKPOINT))
        return int(hint.get("version", -1)) > fork
    except (ObjectNotFound, ValueError, AttributeError, TypeError):
        return False


def _rewind_hint(store: ObjectStore, operation_id: str, fork: int) -> None:
    """A `_last_checkpoint` naming a version after the fork moves aside too: without it,
    readers find the newest checkpoint by listing, which is always right."""
    if _hint_after(store, fork):
        set_aside(store, operation_id, LAST_CHECKPOINT)


def set_aside(store: ObjectStore, operation_id: str, path: str) -> None:
    """Move one object into the operation's orphaned folder: copied, then deleted."""
    store.copy_from(store, path, aside(operation_id, path))
    store.delete(path)


def _read_manifest(store: ObjectStore, operation_id: str) -> Manifest | None:
    try:
        return Manifest.from_json(store.get(aside(operation_id, MANIFEST)))
    except ObjectNotFound:
        return None


def read_manifests(store: ObjectStore) -> list[Manifest]:
    """Every manifest of a table's orphaned folder, oldest operation first."""
    found = []
    for info in store.list(ORPHANED_DIR):
        if info.path.endswith("/" + MANIFEST):
            found.append(Manifest.from_json(store.get(info.path)))
    return sorted(found, key=lambda m: m.operation_id)
