"""SHALLOW / DEEP CLONE ... VERSION AS OF, and CREATE OR REPLACE ... DEEP CLONE.

Order, so that a crash anywhere leaves the target valid: every file first, then one commit
with put-if-absent. A deep clone copies data and deletion-vector files and writes version 0
with a new table id; a shallow clone copies nothing and points at the source by absolute
URI. With `replace`, the target's next version adds what it lacks and removes what the
source no longer has, copying only files it does not already hold at full size.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from standby.delta import DeltaLog
from standby.delta import dv as dvs
from standby.delta.features import assigns_row_ids, check_features, writer_features
from standby.delta.log import open_log
from standby.delta.obligations import (
    ROW_TRACKING,
    assign_row_ids,
    high_water_mark,
    keep_high_water_marks,
    require_num_records,
    require_same_partitions,
    row_tracking_domain,
    uses_iceberg,
    without_row_ids,
)
from standby.delta.presence import inventory
from standby.delta.snapshot import Snapshot, file_key, is_absolute, load_snapshot, object_path
from standby.engines import CopyExecutor, CopyTask, Progress, default_executor
from standby.errors import TargetNotEmpty
from standby.storage import ObjectStore, as_store_pair, open_store, redact
from standby.tables.common import (
    commit_info,
    latest_timestamp,
    remove_of,
    require_present,
)
from standby.tables.history import resolve_version

log = logging.getLogger(__name__)
EXTERNAL_DIR = "_standby_external"
ICT_PROPERTIES = (
    "delta.inCommitTimestampEnablementVersion",
    "delta.inCommitTimestampEnablementTimestamp",
)


@dataclass
class CloneResult:
    """What a clone did (or, on a dry run, would do)."""

    source: str
    target: str
    source_version: int
    target_version: int | None  # None on a dry run
    shallow: bool
    num_copied_files: int
    copied_bytes: int
    source_num_of_files: int
    source_table_size: int
    num_added_files: int = 0
    num_removed_files: int = 0
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    adds: list[dict[str, Any]]
    copies: list[CopyTask]


def clone(
    source: str | ObjectStore,
    target: str | ObjectStore,
    *,
    shallow: bool = False,
    version: int | None = None,
    timestamp: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    executor: CopyExecutor | None = None,
    progress: Progress | None = None,
    source_options: Mapping[str, str] | None = None,
    target_options: Mapping[str, str] | None = None,
) -> CloneResult:
    """Clone a version of `source` into `target` (DEEP or SHALLOW CLONE ... VERSION AS OF).

    Crash-safe: every file first, then one commit with put-if-absent, so the target is a
    valid table (or none) at every instant; a rerun with `replace` resumes. A deep clone
    copies the files (and those outside the table, rewriting the log); a shallow one
    points at the source's. The source is only read.

    Args:
        source: The source table's URI, or a store opened at its root.
        target: The new table's URI, or a store opened at its root.
        shallow: Copy no files; reference the source's.
        version: The source version to clone (the latest by default).
        timestamp: Or the version current at this time (ISO 8601 or ms since the epoch).
        replace: Re-clone into an existing table: copy only what it lacks and commit the
            difference as its next version (CREATE OR REPLACE ... DEEP CLONE).
        dry_run: Plan only; copy and write nothing.
        executor: Where copy work runs (threads by default).
        progress: Told of the bytes copied.
        source_options: Options for opening the source URI.
        target_options: Options for opening the target URI.

    Returns:
        The versions on both sides and what was copied.

    Raises:
        OverlappingLocations: The target is the source, inside it, or holds it.
        TableNotFound: No Delta log at the source.
        VersionNotFound: The source log cannot rebuild that version.
        FilesMissing: A file the version needs was vacuumed or is truncated.
        UnsupportedFeature: A table feature standby does not write.
        TargetNotEmpty: The target holds something and `replace` was not given.
    """
    src_store, dst_store = as_store_pair(
        source,
        target,
        source_options=source_options,
        target_options=target_options,
        target_what="clone target",
    )
    src_log, snap, warnings = _source(src_store, version=version, timestamp=timestamp)
    src_name = redact(src_log.url)
    dst_log = DeltaLog(dst_store)
    existing = inventory(dst_store)
    current = _existing_table(dst_log, existing, replace=replace)
    has_table = current is not None
    plan = (_shallow_plan if shallow else _deep_plan)(snap, src_log.store, dst_store, existing)
    new_version = 0 if current is None else current.version + 1
    target_of = _Target(current, new_version, redact(dst_store.url), dst_log)
    actions, added, removed = _actions(snap, target_of, plan.adds, src_name, shallow)
    result = CloneResult(
        source=src_name,
        target=redact(dst_store.url),
        source_version=snap.version,
        target_version=None,
        shallow=shallow,
        num_copied_files=len(plan.copies),
        copied_bytes=sum(t.size or 0 for t in plan.copies),
        source_num_of_files=len(snap.files),
        source_table_size=snap.size_bytes,
        num_added_files=added,
        num_removed_files=removed,
        dry_run=dry_run,
        warnings=warnings,
    )
    if dry_run:
        return result
    if current is not None and not added and not removed and len(actions) == 1:
        result.target_version = current.version  # already equal: nothing to commit
        return result
    cleanup = not has_table and not existing  # a target that was empty is left empty
    _copy_then(plan.copies, executor or default_executor(), progress, dst_store, cleanup=cleanup)
    dst_log.write_commit(new_version, actions)
    result.target_version = new_version
    return result


def _source(
    source: ObjectStore, *, version: int | None, timestamp: str | None
) -> tuple[DeltaLog, Snapshot, list[str]]:
    """The source's snapshot to clone, checked: its features (warnings returned) and files."""
    src_log, listing = open_log(source)
    snap = load_snapshot(
        src_log,
        resolve_version(src_log, listing, version=version, timestamp=timestamp),
        listing=listing,
    )
    name = redact(src_log.url)
    warnings = check_features(snap.protocol, operation="clone", table=name, metadata=snap.metadata)
    for warning in warnings:
        log.warning(warning)
    require_present(
        src_log.store,
        snap.needed(),
        what=f"Cloning {name} at version {snap.version}",
        present=inventory(src_log.store),
    )
    return src_log, snap, warnings


def _existing_table(dst: DeltaLog, existing: dict[str, int], *, replace: bool) -> Snapshot | None:
    """The target's table to re-clone into (None: an empty target); refused unless empty or
    `replace`."""
    listing = dst.list()
    has_table = listing.latest is not None
    if (has_table or existing) and not replace:
        what = "a Delta table" if has_table else f"{len(existing)} object(s)"
        raise TargetNotEmpty(
            f"The clone target {redact(dst.url)} is not empty: it holds {what}.",
            hint="Pass --replace to re-clone into it (copying only what it lacks), "
            "or choose an empty location.",
        )
    return load_snapshot(dst, listing=listing) if has_table else None


def _copy_then(
    tasks: list[CopyTask],
    executor: CopyExecutor,
    progress: Progress | None,
    dst: ObjectStore,
    *,
    cleanup: bool,
) -> None:
    """Copy every file; if that fails on a target that was empty, leave it empty again."""
    try:
        executor.run(tasks, progress=progress)
    except BaseException:
        if cleanup:
            for t in tasks:
                try:
                    dst.delete(t.dst_path)
                except Exception:  # best effort: the original error matters more
                    log.debug("could not remove %s", t.dst_path)
        raise


def _deep_plan(
    snap: Snapshot, src: ObjectStore, dst: ObjectStore, existing: dict[str, int]
) -> _Plan:
    stores: dict[str, ObjectStore] = {}
    copies: dict[str, CopyTask] = {}

    def need(store: ObjectStore, src_path: str, dst_path: str, size: int | None, dv: bool) -> None:
        have = existing.get(dst_path)
        if have is not None and (size is None or (have >= size if dv else have == size)):
            return  # invariant 4: a file present at full size is never copied again
        copies.setdefault(dst_path, CopyTask(store, src_path, dst, dst_path, size))

    def external(url: str) -> tuple[ObjectStore, str, str]:
        parent, _, name = url.rpartition("/")
        store = stores.get(parent) or stores.setdefault(parent, open_store(parent))
        digest = hashlib.sha1(parent.encode()).hexdigest()[:12]
        return store, object_path(name), f"{EXTERNAL_DIR}/{digest}/{name}"

    adds: list[dict[str, Any]] = []
    for add in snap.files.values():
        new = dict(add, dataChange=True)
        if is_absolute(add["path"]):
            store, name, rel = external(add["path"])
            need(store, name, object_path(rel), add.get("size"), dv=False)
            new["path"] = rel
        else:
            need(src, object_path(add["path"]), object_path(add["path"]), add.get("size"), dv=False)
        dv = add.get("deletionVector")
        if dv:
            end = int(dv.get("offset") or 0) + int(dv["sizeInBytes"]) + 4
            if (rel_dv := dvs.relative_path(dv)) is not None:
                need(src, rel_dv, rel_dv, end, dv=True)
            elif (abs_dv := dvs.absolute_path(dv)) is not None:
                store, name, _ = external(abs_dv)
                new_dv, rel_dv = dvs.as_relative(dv, uuid.uuid5(uuid.NAMESPACE_URL, abs_dv))
                need(store, name, rel_dv, end, dv=True)
                new["deletionVector"] = new_dv
        adds.append(new)
    return _Plan(adds, list(copies.values()))


def _shallow_plan(
    snap: Snapshot, src: ObjectStore, dst: ObjectStore, existing: dict[str, int]
) -> _Plan:
    base = src.url.rstrip("/")
    adds: list[dict[str, Any]] = []
    for add in snap.files.values():
        new = dict(add, dataChange=True)
        if not is_absolute(add["path"]):
            new["path"] = f"{quote(base, safe=':/')}/{add['path']}"
        if add.get("deletionVector"):
            new["deletionVector"] = dvs.as_absolute(add["deletionVector"], quote(base, safe=":/"))
        adds.append(new)
    return _Plan(adds, [])


@dataclass
class _Target:
    """The clone target as the commit sees it: its table (None when new) and next version."""

    current: Snapshot | None
    version: int
    name: str
    log: DeltaLog


def _actions(
    snap: Snapshot, target: _Target, adds: list[dict[str, Any]], src_name: str, shallow: bool
) -> tuple[list[dict[str, Any]], int, int]:
    """The target commit: version 0 of a new table, or the difference on a re-clone."""
    current = target.current
    wanted = {file_key(a): a for a in adds}
    have = current.files if current else {}
    new_adds = [a for k, a in wanted.items() if k not in have]
    removes = [a for k, a in have.items() if k not in wanted]
    metadata = _metadata(snap, target)
    new_adds, domains = _owed(snap, target, metadata, new_adds)
    metrics = {
        "sourceTableSize": snap.size_bytes,
        "sourceNumOfFiles": len(snap.files),
        "numRemovedFiles": len(removes),
        "numCopiedFiles": 0 if shallow else len(new_adds),
        "removedFilesSize": sum(int(a.get("size") or 0) for a in removes),
        "copiedFilesSize": 0 if shallow else sum(int(a.get("size") or 0) for a in new_adds),
    }
    params = {"source": src_name, "sourceVersion": snap.version, "isShallow": shallow}
    info = commit_info(
        "CLONE",
        params,
        metrics,
        read_version=current.version if current else None,
        snapshot=Snapshot(0, snap.protocol, metadata),
        previous_ts=latest_timestamp(target.log, current.version) if current else None,
    )
    actions: list[dict[str, Any]] = [info]
    if current is None or current.protocol != snap.protocol:
        actions.append({"protocol": snap.protocol})
    if current is None or _differs(current.metadata, metadata):
        actions.append({"metaData": metadata})
    actions += _domain_changes(current.domains if current else {}, domains)
    now = int(time.time() * 1000)
    actions += [{"remove": remove_of(a, now)} for a in removes]
    actions += [{"add": a} for a in new_adds]
    return actions, len(new_adds), len(removes)


def _metadata(snap: Snapshot, target: _Target) -> dict[str, Any]:
    """The source's metadata with the target's identity: a new table id, or the clone's own
    (whose identity high-water marks never go down)."""
    config = {
        k: v
        for k, v in (snap.metadata.get("configuration") or {}).items()
        if k not in ICT_PROPERTIES  # in-commit timestamps are on from the clone's version 0
    }
    metadata = {**snap.metadata, "configuration": config}
    if target.current is None:
        metadata.update(id=str(uuid.uuid4()), createdTime=int(time.time() * 1000))
        return metadata
    metadata["id"] = target.current.metadata["id"]
    return keep_high_water_marks(metadata, target.current.metadata)


def _owed(
    snap: Snapshot, target: _Target, metadata: dict[str, Any], adds: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The adds and domains the target's features need (delta.obligations): fresh row IDs
    (CLONE does not keep the source's), numRecords and kept partitions under Iceberg rules."""
    domains = {k: d for k, d in snap.domains.items() if k != ROW_TRACKING}
    current = target.current
    if "rowTracking" in writer_features(snap.protocol):
        adds = without_row_ids(adds)
    if assigns_row_ids(snap.protocol, metadata):
        old = high_water_mark(current.domains) if current else -1
        adds, mark = assign_row_ids(adds, version=target.version, mark=old, table=target.name)
        if mark != old:
            domains[ROW_TRACKING] = row_tracking_domain(mark)
    if feature := uses_iceberg(snap.protocol):
        require_num_records(adds, feature=feature, table=target.name)
        if current is not None:
            require_same_partitions(current.metadata, metadata, feature=feature, table=target.name)
    return adds, domains


def _domain_changes(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Domains to write so the target holds `new`; the row-tracking mark is never removed."""
    actions = [{"domainMetadata": d} for name, d in new.items() if old.get(name) != d]
    actions += [
        {"domainMetadata": {**d, "removed": True}}
        for name, d in old.items()
        if name not in new and name != ROW_TRACKING
    ]
    return actions


def _differs(old: dict[str, Any], new: dict[str, Any]) -> bool:
    keys = ("schemaString", "partitionColumns", "configuration", "format", "name", "description")
    return any(old.get(k) != new.get(k) for k in keys)
