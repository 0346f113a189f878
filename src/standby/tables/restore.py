"""RESTORE TABLE ... TO VERSION / TIMESTAMP AS OF: one new commit that makes the latest
version read like an older one. Checked before anything is written: the version exists,
its files are all still there, and every table feature is one this commit keeps intact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from standby.delta.features import is_append_only, require_writable
from standby.delta.log import open_log
from standby.delta.presence import inventory
from standby.delta.snapshot import Snapshot, files_of, load_snapshot
from standby.errors import BadInput, UnsupportedFeature
from standby.storage import open_store, redact
from standby.tables.common import (
    commit_info,
    latest_timestamp,
    require_present,
)
from standby.tables.history import resolve_version

REMOVE_FIELDS = (
    "path",
    "partitionValues",
    "size",
    "tags",
    "deletionVector",
    "baseRowId",
    "defaultRowCommitVersion",
)


@dataclass
class RestoreResult:
    restored_to: int
    new_version: int | None  # None: nothing to do, or a dry run
    num_removed_files: int
    num_restored_files: int
    removed_files_size: int
    restored_files_size: int
    dry_run: bool = False


def restore(
    uri: str, *, version: int | None = None, timestamp: str | None = None, dry_run: bool = False
) -> RestoreResult:
    """Restore the table at `uri` to `version` or to the version current at `timestamp`."""
    if version is None and timestamp is None:
        raise BadInput("Say what to restore to: --version N or --timestamp T.")
    log, listing = open_log(open_store(uri))
    target_version = resolve_version(log, listing, version=version, timestamp=timestamp)
    current = load_snapshot(log, listing=listing)
    target = load_snapshot(log, target_version, listing=listing)
    name = redact(log.url)
    require_writable(current.protocol, operation="restore", table=name)

    to_add = [a for k, a in target.files.items() if k not in current.files]
    to_remove = [a for k, a in current.files.items() if k not in target.files]
    require_present(
        log.store,
        files_of(to_add),
        what=f"Restoring {name} to version {target_version}",
        present=inventory(log.store) if to_add else {},
    )
    if to_remove and is_append_only(current.metadata):
        raise UnsupportedFeature(
            f"Cannot restore {name} to version {target_version}: the table is append-only "
            f"(delta.appendOnly=true) and the restore would remove {len(to_remove)} file(s).",
            hint="Clone the old version to a new table instead: standby table clone --version.",
        )
    result = RestoreResult(
        restored_to=target_version,
        new_version=None,
        num_removed_files=len(to_remove),
        num_restored_files=len(to_add),
        removed_files_size=sum(int(a.get("size") or 0) for a in to_remove),
        restored_files_size=sum(int(a.get("size") or 0) for a in to_add),
        dry_run=dry_run,
    )
    metadata_changed = _schema_of(target.metadata) != _schema_of(current.metadata)
    if dry_run or (not to_add and not to_remove and not metadata_changed):
        return result
    actions = _restore_actions(
        current,
        target,
        to_add,
        to_remove,
        result,
        timestamp,
        previous_ts=latest_timestamp(log, current.version)
        if current.version in listing.commits
        else None,
    )
    log.write_commit(current.version + 1, actions)
    result.new_version = current.version + 1
    return result


def _restore_actions(
    current: Snapshot,
    target: Snapshot,
    to_add: list[dict[str, Any]],
    to_remove: list[dict[str, Any]],
    result: RestoreResult,
    timestamp: str | None,
    *,
    previous_ts: int | None,
) -> list[dict[str, Any]]:
    parameters: dict[str, Any] = {"version": target.version}
    if timestamp is not None:
        parameters["timestamp"] = timestamp
    metrics = {
        "numRestoredFiles": result.num_restored_files,
        "numRemovedFiles": result.num_removed_files,
        "restoredFilesSize": result.restored_files_size,
        "removedFilesSize": result.removed_files_size,
        "numOfFilesAfterRestore": len(target.files),
        "tableSizeAfterRestore": target.size_bytes,
    }
    actions = [
        commit_info(
            "RESTORE",
            parameters,
            metrics,
            read_version=current.version,
            snapshot=current,
            previous_ts=previous_ts,
        )
    ]
    if _schema_of(target.metadata) != _schema_of(current.metadata):
        # The old schema and properties come back; the table keeps its identity.
        actions.append({"metaData": {**target.metadata, "id": current.metadata["id"]}})
    now = int(time.time() * 1000)
    for a in to_remove:
        body = {k: a[k] for k in REMOVE_FIELDS if k in a}
        actions.append(
            {
                "remove": {
                    **body,
                    "deletionTimestamp": now,
                    "dataChange": True,
                    "extendedFileMetadata": True,
                }
            }
        )
    for a in to_add:
        actions.append({"add": {**a, "dataChange": True}})
    return actions


def _schema_of(metadata: dict[str, Any]) -> tuple[Any, ...]:
    return (
        metadata.get("schemaString"),
        tuple(metadata.get("partitionColumns") or []),
        tuple(sorted((metadata.get("configuration") or {}).items())),
    )
