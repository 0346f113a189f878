"""The files a range of commits needs on the replica, and copying them in bulk.

Only relative paths are replicated (invariant 5): an absolute path or a 'p' deletion vector
points outside the table, and copying it would leave the replica depending on the primary.
A file already present at the size the log says is never copied again (invariant 4).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from standby.delta import dv as dvs
from standby.delta.actions import Commit
from standby.delta.presence import is_missing
from standby.delta.snapshot import FileAction, files_of, is_absolute, object_path
from standby.engines import CopyExecutor, CopyTask, Progress
from standby.errors import ObjectNotFound, UnsupportedFeature
from standby.storage import ObjectStore


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
