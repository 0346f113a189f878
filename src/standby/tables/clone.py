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
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from standby.delta import DeltaLog
from standby.delta import dv as dvs
from standby.delta.features import require_writable
from standby.delta.log import open_log
from standby.delta.presence import inventory
from standby.delta.snapshot import Snapshot, file_key, is_absolute, load_snapshot, object_path
from standby.engines import CopyExecutor, CopyTask, Progress, default_executor
from standby.errors import BadInput, TargetNotEmpty
from standby.storage import ObjectStore, normalize, open_store, redact
from standby.tables.common import (
    commit_info,
    latest_timestamp,
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


@dataclass
class _Plan:
    adds: list[dict[str, Any]]
    copies: list[CopyTask]


def clone(
    source: str | ObjectStore,
    target: str,
    *,
    shallow: bool = False,
    version: int | None = None,
    timestamp: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    executor: CopyExecutor | None = None,
    progress: Progress | None = None,
) -> CloneResult:
    """Clone `source` (a URI, or an opened store) at a version (latest by default) into
    `target`."""
    src_store = open_store(source) if isinstance(source, str) else source
    if normalize(src_store.url) == normalize(target):
        raise BadInput("The clone target is the source table itself.")
    src_log, listing = open_log(src_store)
    snap = load_snapshot(
        src_log,
        resolve_version(src_log, listing, version=version, timestamp=timestamp),
        listing=listing,
    )
    src_name = redact(src_log.url)
    require_writable(snap.protocol, operation="clone", table=src_name)
    require_present(
        src_log.store,
        snap.referenced_files(),
        what=f"Cloning {src_name} at version {snap.version}",
        present=inventory(src_log.store),
    )

    dst_store = open_store(target)
    dst_log = DeltaLog(dst_store)
    dst_listing = dst_log.list()
    existing = inventory(dst_store)
    has_table = dst_listing.latest is not None
    if (has_table or existing) and not replace:
        what = "a Delta table" if has_table else f"{len(existing)} object(s)"
        raise TargetNotEmpty(
            f"The clone target {redact(dst_store.url)} is not empty: it holds {what}.",
            hint="Pass --replace to re-clone into it (copying only what it lacks), "
            "or choose an empty location.",
        )
    current = load_snapshot(dst_log, listing=dst_listing) if has_table else None
    plan = (_shallow_plan if shallow else _deep_plan)(snap, src_log.store, dst_store, existing)
    actions, added, removed = _actions(snap, current, plan.adds, src_name, shallow, dst_log)
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
    )
    if dry_run:
        return result
    new_version = 0 if current is None else current.version + 1
    if current is not None and not added and not removed and len(actions) == 1:
        result.target_version = current.version  # already equal: nothing to commit
        return result
    _copy_then(
        plan.copies,
        executor or default_executor(),
        progress,
        dst_store,
        cleanup=not has_table and not existing,
    )
    dst_log.write_commit(new_version, actions)
    result.target_version = new_version
    return result


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


def _actions(
    snap: Snapshot,
    current: Snapshot | None,
    adds: list[dict[str, Any]],
    src_name: str,
    shallow: bool,
    dst_log: DeltaLog,
) -> tuple[list[dict[str, Any]], int, int]:
    """The target commit: version 0 of a new table, or the difference on a re-clone."""
    wanted = {file_key(a): a for a in adds}
    have = current.files if current else {}
    new_adds = [a for k, a in wanted.items() if k not in have]
    removes = [a for k, a in have.items() if k not in wanted]
    metrics = {
        "sourceTableSize": snap.size_bytes,
        "sourceNumOfFiles": len(snap.files),
        "numRemovedFiles": len(removes),
        "numCopiedFiles": 0 if shallow else len(new_adds),
        "removedFilesSize": sum(int(a.get("size") or 0) for a in removes),
        "copiedFilesSize": 0 if shallow else sum(int(a.get("size") or 0) for a in new_adds),
    }
    params = {"source": src_name, "sourceVersion": snap.version, "isShallow": shallow}
    previous_ts = latest_timestamp(dst_log, current.version) if current else None
    config = {
        k: v
        for k, v in (snap.metadata.get("configuration") or {}).items()
        if k not in ICT_PROPERTIES
    }
    metadata = {**snap.metadata, "configuration": config}
    if current is None:
        metadata.update(id=str(uuid.uuid4()), createdTime=int(time.time() * 1000))
    else:
        metadata["id"] = current.metadata["id"]
    info = commit_info(
        "CLONE",
        params,
        metrics,
        read_version=current.version if current else None,
        snapshot=Snapshot(0, snap.protocol, metadata),
        previous_ts=previous_ts,
    )
    actions: list[dict[str, Any]] = [info]
    if current is None or current.protocol != snap.protocol:
        actions.append({"protocol": snap.protocol})
    if current is None or _differs(current.metadata, metadata):
        actions.append({"metaData": metadata})
    old_domains = current.domains if current else {}
    for name, d in snap.domains.items():
        if old_domains.get(name) != d:
            actions.append({"domainMetadata": d})
    for name, d in old_domains.items():
        if name not in snap.domains:
            actions.append({"domainMetadata": {**d, "removed": True}})
    now = int(time.time() * 1000)
    for a in removes:
        actions.append(
            {
                "remove": {
                    "path": a["path"],
                    "deletionTimestamp": now,
                    "dataChange": True,
                    "extendedFileMetadata": True,
                    "partitionValues": a.get("partitionValues", {}),
                    "size": a.get("size"),
                    **({"deletionVector": a["deletionVector"]} if a.get("deletionVector") else {}),
                }
            }
        )
    actions.extend({"add": a} for a in new_adds)
    return actions, len(new_adds), len(removes)


def _differs(old: dict[str, Any], new: dict[str, Any]) -> bool:
    keys = ("schemaString", "partitionColumns", "configuration", "format", "name", "description")
    return any(old.get(k) != new.get(k) for k in keys)
