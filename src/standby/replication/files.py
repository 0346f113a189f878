"""The files a range of commits needs on the replica, and copying them in bulk.

Only relative paths are replicated (invariant 5): an absolute path or a 'p' deletion vector
points outside the table, and copying it would leave the replica depending on the primary.
A file already present at the size the log says is never copied again (invariant 4).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from standby.delta import DeltaLog, load_snapshot
from standby.delta import dv as dvs
from standby.delta.actions import Commit
from standby.delta.presence import is_missing
from standby.delta.snapshot import FileAction, files_of, is_absolute, object_path
from standby.engines import CopyExecutor, CopyTask, Progress
from standby.errors import FilesMissing, ObjectNotFound, UnsupportedFeature
from standby.storage import ObjectStore

log = logging.getLogger(__name__)


@dataclass
class CopyOutcome:
    files: int = 0
    bytes: int = 0
    vacuumed: list[str] = field(default_factory=list)  # gone from the source before we came
    stopped: bool = False  # asked to stop: some files were not copied


def commit_files(commit: Commit, *, table: str) -> list[FileAction]:
    """Data, cdc and deletion-vector files a commit's add and cdc actions reference."""
    adds = commit.of("add")
    files = files_of(adds) + files_of(commit.of("cdc"), kind="cdc")
    refuse_external(adds, table=table, version=commit.version)
    return files


def refuse_external(adds: Iterable[dict[str, Any]], *, table: str, version: int) -> None:
    for add in adds:
        dv = add.get("deletionVector") or {}
        if is_absolute(add["path"]) or dvs.absolute_path(dv):
            raise UnsupportedFeature(
                f"Version {version} of {table} references a file outside the table "
                f"({add['path'] if is_absolute(add['path']) else dv.get('pathOrInlineDv')}), "
                "as a shallow clone does. Replication copies tables whose files live inside them.",
                hint="Deep-clone the table first (standby table clone), and replicate the clone.",
            )


def missing_on_target(
    files: Iterable[FileAction], target: ObjectStore, *, known: dict[str, int] | None = None
) -> list[FileAction]:
    """Files the target lacks or holds short. `known` (a listing) saves one head per file."""
    out: list[FileAction] = []
    for f in files:
        key = object_path(f.path)
        if known is not None:
            size = known.get(key)
        else:
            try:
                size = target.head(key).size
            except ObjectNotFound:
                size = None
        if is_missing(f, size):
            out.append(f)
    return out


def lacking(
    files: list[FileAction],
    target: ObjectStore,
    *,
    known: dict[str, int] | None,
    readers: ThreadPoolExecutor,
) -> list[FileAction]:
    """The files the replica lacks or holds short: by a head each, or from `known` (a
    listing, kept up to date here) with a head only for what it says is short."""

    def needs_copy(f: FileAction) -> bool:
        return bool(missing_on_target([f], target))

    if known is None:
        need = list(readers.map(needs_copy, files))
        return [f for f, n in zip(files, need, strict=True) if n]
    todo = missing_on_target(files, target, known=known)
    absent = [f for f in todo if object_path(f.path) not in known]
    listed = [f for f in todo if object_path(f.path) in known]  # a DV file's size is a bound
    short = [f for f, n in zip(listed, readers.map(needs_copy, listed), strict=True) if n]
    for f in absent + short:
        key = object_path(f.path)
        known[key] = max(f.size or 0, known.get(key, 0))
    return absent + short


def copy_files(
    files: list[FileAction],
    source: ObjectStore,
    target: ObjectStore,
    executor: CopyExecutor,
    progress: Progress | None,
    stop: threading.Event | None = None,
) -> CopyOutcome:
    """Copy every file; files the source no longer has are reported, not fatal."""
    tasks = {
        object_path(f.path): CopyTask(
            source, object_path(f.path), target, object_path(f.path), f.size
        )
        for f in files
    }
    outcome = CopyOutcome()
    try:
        stats = executor.run(list(tasks.values()), progress=progress, stop=stop)
    except ObjectNotFound:
        gone = [k for k, t in tasks.items() if not _exists(source, t.src_path)]
        if not gone:
            raise
        outcome.vacuumed = gone
        # What the failed run copied before it stopped is there: copy only the rest.
        kept = {k: t for k, t in tasks.items() if k not in set(gone)}
        still = missing_on_target([f for f in files if object_path(f.path) in kept], target)
        left = {object_path(f.path) for f in still}
        stats = executor.run([t for k, t in kept.items() if k in left], progress=None, stop=stop)
        earlier = [t for k, t in kept.items() if k not in left]
        stats.files += len(earlier)
        stats.bytes += sum(t.size or 0 for t in earlier)
    outcome.files, outcome.bytes, outcome.stopped = stats.files, stats.bytes, stats.stopped
    return outcome


def _exists(store: ObjectStore, path: str) -> bool:
    try:
        store.head(path)
        return True
    except ObjectNotFound:
        return False


def vacuumed_versions_end(source: DeltaLog, gone: list[str], *, table: str) -> int:
    """The source version from which a replica is complete again, after files `gone` were
    vacuumed at the source before we copied them. They are lost to every reader of those
    old versions, ours and the source's alike; FilesMissing if the latest version needs one."""
    latest = load_snapshot(source)
    live = {object_path(f.path) for f in latest.referenced_files()}
    if any(p in live for p in gone):
        raise FilesMissing(
            f"The source {table} references files it does not have: {gone[:3]}.",
            hint="The source table itself is damaged; run `standby verify` on it.",
        )
    log.warning("%d file(s) of %s were vacuumed before they were replicated", len(gone), table)
    return latest.version
