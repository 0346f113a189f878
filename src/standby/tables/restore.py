"""RESTORE TABLE ... TO VERSION / TIMESTAMP AS OF: one new commit that makes the latest
version read like an older one. Checked before anything is written: the version exists,
its files are all still there, and every table feature is one this commit keeps intact.

As Delta's RESTORE: the protocol only grows (the old version's features are merged in), the
old schema and properties come back with the table's identity, and what the features owe a
new commit is paid (delta.obligations): identity high-water marks and the max column id
never go down, files without row IDs get fresh ones, the clustering columns are the old ones.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from standby.delta.features import (
    assigns_row_ids,
    check_features,
    is_append_only,
    merge_protocols,
    same_protocol,
)
from standby.delta.log import open_log
from standby.delta.obligations import (
    CLUSTERING,
    assign_row_ids,
    high_water_mark,
    keep_high_water_marks,
    require_num_records,
    row_tracking_domain,
    uses_iceberg,
)
from standby.delta.presence import inventory
from standby.delta.snapshot import Snapshot, files_of, load_snapshot
from standby.errors import BadInput, UnsupportedFeature
from standby.storage import ObjectStore, as_store, redact
from standby.tables.common import commit_info, latest_timestamp, remove_of, require_present
from standby.tables.history import resolve_version

log = logging.getLogger(__name__)


@dataclass
class RestoreResult:
    """What a restore did (or, on a dry run, would do)."""

    restored_to: int
    new_version: int | None  # None: nothing to do, or a dry run
    num_removed_files: int
    num_restored_files: int
    removed_files_size: int
    restored_files_size: int
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Commit:
    """What the restore commit writes besides commitInfo."""

    protocol: dict[str, Any] | None
    metadata: dict[str, Any] | None
    domains: list[dict[str, Any]]
    adds: list[dict[str, Any]]
    removes: list[dict[str, Any]]

    @property
    def empty(self) -> bool:
        return not (self.protocol or self.metadata or self.domains or self.adds or self.removes)


def restore(
    table: str | ObjectStore,
    *,
    version: int | None = None,
    timestamp: str | None = None,
    dry_run: bool = False,
    storage_options: Mapping[str, str] | None = None,
) -> RestoreResult:
    """Make the latest version read like an older one (RESTORE TABLE ... AS OF).

    Writes one new commit with put-if-absent, after checking that the version exists, that
    every file it needs is present at its size, and that every table feature is one the
    commit keeps intact; nothing is written when a check fails. Files are never deleted.

    Args:
        table: The table's URI, or a store opened at its root.
        version: The version to restore to.
        timestamp: Or a time (ISO 8601, UTC when no zone; or ms since the epoch): the
            version current then, from the log's own commit times.
        dry_run: Check and plan only; write nothing.
        storage_options: Options for opening a URI (credentials, endpoint).

    Returns:
        The version restored to and the new version (None on a dry run, or when the table
        already reads like it).

    Raises:
        BadInput: Neither or both of version and timestamp.
        VersionNotFound: The log cannot rebuild that version.
        TimestampOutOfRange: The time is before the first or after the latest commit.
        FilesMissing: A file the version needs was vacuumed or is truncated.
        UnsupportedFeature: A table feature standby does not write, or an append-only
            table that would lose files.
        Refused: Another writer committed the next version first.
    """
    if version is None and timestamp is None:
        raise BadInput("Say what to restore to: --version N or --timestamp T.")
    log_, listing = open_log(as_store(table, options=storage_options))
    target_version = resolve_version(log_, listing, version=version, timestamp=timestamp)
    current = load_snapshot(log_, listing=listing)
    target = load_snapshot(log_, target_version, listing=listing)
    name = redact(log_.url)
    protocol = merge_protocols(target.protocol, current.protocol)
    warnings = check_features(protocol, operation="restore", table=name, metadata=current.metadata)
    to_add = [a for k, a in target.files.items() if k not in current.files]
    to_remove = [a for k, a in current.files.items() if k not in target.files]
    require_present(
        log_.store,
        files_of(to_add),
        what=f"Restoring {name} to version {target_version}",
        present=inventory(log_.store) if to_add else {},
    )
    if to_remove and is_append_only(current.metadata):
        raise UnsupportedFeature(
            f"Cannot restore {name} to version {target_version}: the table is append-only "
            f"(delta.appendOnly=true) and the restore would remove {len(to_remove)} file(s).",
            hint="Clone the old version to a new table instead: standby table clone --version.",
        )
    change = _change(current, target, protocol, to_add, to_remove, table=name)
    for warning in warnings:
        log.warning(warning)
    result = RestoreResult(
        restored_to=target_version,
        new_version=None,
        num_removed_files=len(to_remove),
        num_restored_files=len(to_add),
        removed_files_size=sum(int(a.get("size") or 0) for a in to_remove),
        restored_files_size=sum(int(a.get("size") or 0) for a in to_add),
        dry_run=dry_run,
        warnings=warnings,
    )
    if dry_run or change.empty:
        return result
    previous_ts = (
        latest_timestamp(log_, current.version) if current.version in listing.commits else None
    )
    actions = _actions(current, target, change, result, timestamp, previous_ts=previous_ts)
    log_.write_commit(current.version + 1, actions)
    result.new_version = current.version + 1
    return result


def _change(
    current: Snapshot,
    target: Snapshot,
    protocol: dict[str, Any],
    to_add: list[dict[str, Any]],
    to_remove: list[dict[str, Any]],
    *,
    table: str,
) -> _Commit:
    """The protocol, metadata, domains and files of the commit, with what features owe."""
    # The old schema and properties come back; the table keeps its identity.
    metadata = keep_high_water_marks(
        {**target.metadata, "id": current.metadata["id"]}, current.metadata
    )
    domains = []
    if assigns_row_ids(protocol, metadata):
        old = high_water_mark(current.domains)
        version = current.version + 1
        to_add, mark = assign_row_ids(to_add, version=version, mark=old, table=table)
        if mark != old:
            domains.append(row_tracking_domain(mark))
    if feature := uses_iceberg(protocol):
        require_num_records(to_add, feature=feature, table=table)
    domains += [d for name in CLUSTERING if (d := _clustering(current, target, name))]
    return _Commit(
        protocol=None if same_protocol(protocol, current.protocol) else protocol,
        metadata=None if _schema_of(metadata) == _schema_of(current.metadata) else metadata,
        domains=domains,
        adds=to_add,
        removes=to_remove,
    )


def _clustering(current: Snapshot, target: Snapshot, domain: str) -> dict[str, Any] | None:
    """The clustering columns of the restored version (none if it was not clustered)."""
    want, have = target.domains.get(domain), current.domains.get(domain)
    if want == have:
        return None
    if want is not None:
        return want
    assert have is not None
    return {**have, "configuration": json.dumps({"clusteringColumns": []})}


def _actions(
    current: Snapshot,
    target: Snapshot,
    change: _Commit,
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
    info = commit_info(
        "RESTORE",
        parameters,
        metrics,
        read_version=current.version,
        snapshot=current,
        previous_ts=previous_ts,
    )
    actions = [info]
    if change.protocol is not None:
        actions.append({"protocol": change.protocol})
    if change.metadata is not None:
        actions.append({"metaData": change.metadata})
    actions += [{"domainMetadata": d} for d in change.domains]
    now = int(time.time() * 1000)
    actions += [{"remove": remove_of(a, now)} for a in change.removes]
    actions += [{"add": {**a, "dataChange": True}} for a in change.adds]
    return actions


def _schema_of(metadata: dict[str, Any]) -> tuple[Any, ...]:
    return (
        metadata.get("schemaString"),
        tuple(metadata.get("partitionColumns") or []),
        tuple(sorted((metadata.get("configuration") or {}).items())),
    )
