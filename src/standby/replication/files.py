"""The files a range of commits needs on the replica, and copying them in bulk.

Only relative paths are replicated (invariant 5): an absolute path or a 'p' deletion vector
points outside the table, and copying it would leave the replica depending on the primary.
A file already present at the size the log says is never copied again (invariant 4).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from standby.delta import DeltaLog, load_snapshot
from standby.delta import dv as dvs
from standby.delta.actions import Commit, parse_actions
from standby.delta.log import commit_path
from standby.delta.presence import inventory, is_missing
from standby.delta.snapshot import FileAction, files_of, is_absolute, object_path
from standby.engines import CopyExecutor, CopyTask, Progress
from standby.errors import FilesMissing, ObjectNotFound, UnsupportedFeature
from standby.storage import ObjectStore

log = logging.getLogger(__name__)
LISTING_FROM = 256  # files to check at once: from here one listing costs less than heads


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


def commits_files(
    commits: list[tuple[int, bytes]], *, table: str, check: Callable[[Commit], None]
) -> list[FileAction]:
    """The files a few commits reference (each once, the first mention kept), every commit
    passed to `check` first; only relative files: the others were refused."""
    files: dict[str, FileAction] = {}
    for version, raw in commits:
        commit = Commit(version, parse_actions(raw, where=commit_path(version)), raw)
        check(commit)
        for f in commit_files(commit, table=table):
            if f.relative:
                files.setdefault(f.path, f)
    return list(files.values())


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


def split_absent(
    files: list[FileAction], source: ObjectStore
) -> tuple[list[FileAction], list[str]]:
    """Many files to copy: those the source holds, and the keys of those it lacks, from one
    listing (cheaper than a failed copy each); few: all of them, copies find out."""
    if len(files) <= LISTING_FROM:
        return files, []
    relative = [f for f in files if f.relative]
    gone = [
        object_path(f.path) for f in missing_on_target(relative, source, known=inventory(source))
    ]
    if not gone:
        return files, []
    lost = set(gone)
    return [f for f in files if object_path(f.path) not in lost], gone


def note_copied(known: dict[str, int] | None, files: list[FileAction]) -> None:
    """Record in `known` (a listing kept up to date) the files copied, at their size."""
    if known is None:
        return
    for f in files:
        key = object_path(f.path)
        known[key] = max(f.size or 0, known.get(key, 0))


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
    listing) with a head only for what it says is short (a DV file's size is a bound).
    `known` is not updated here: `note_copied` records what was copied."""

    def needs_copy(f: FileAction) -> bool:
        return bool(missing_on_target([f], target))

    if known is None:
        need = list(readers.map(needs_copy, files))
        return [f for f, n in zip(files, need, strict=True) if n]
    todo = missing_on_target(files, target, known=known)
    absent = [f for f in todo if object_path(f.path) not in known]
    listed = [f for f in todo if object_path(f.path) in known]
    short = [f for f, n in zip(listed, readers.map(needs_copy, listed), strict=True) if n]
    return absent + short


def copy_files(
    files: list[FileAction],
    source: ObjectStore,
    target: ObjectStore,
    executor: CopyExecutor,
    progress: Progress | None,
    stop: threading.Event | None = None,
) -> CopyOutcome:
    """Copy every file; files the source no longer has are reported, not fatal. A VACUUM
    that goes on during the copy can take more files while the rest is copied: each round
    drops what is gone and copies what the target still lacks, until one round ends."""
    todo = {
        object_path(f.path): CopyTask(
            source, object_path(f.path), target, object_path(f.path), f.size
        )
        for f in files
    }
    outcome = CopyOutcome()
    while True:
        try:
            stats = executor.run(list(todo.values()), progress=progress, stop=stop)
            break
        except ObjectNotFound:
            gone = _gone(source, todo)
            if not gone:
                raise
            outcome.vacuumed += gone
            # What the failed round copied before it stopped is there: copy only the rest.
            dropped = set(gone)
            kept = {k: t for k, t in todo.items() if k not in dropped}
            still = missing_on_target([f for f in files if object_path(f.path) in kept], target)
            left = {object_path(f.path) for f in still}
            earlier = [t for k, t in kept.items() if k not in left]
            outcome.files += len(earlier)
            outcome.bytes += sum(t.size or 0 for t in earlier)
            todo = {k: t for k, t in kept.items() if k in left}
            progress = None  # the failed round's bar has ended
    outcome.files += stats.files
    outcome.bytes += stats.bytes
    outcome.stopped = stats.stopped
    return outcome


def _gone(source: ObjectStore, tasks: dict[str, CopyTask]) -> list[str]:
    """The tasks' files the source lacks: one listing when there are many, else a head each."""
    listed = inventory(source) if len(tasks) > LISTING_FROM else None
    return [
        k
        for k, t in tasks.items()
        if (t.src_path not in listed if listed is not None else not _exists(source, t.src_path))
    ]


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
    needed = latest.needed()
    if isinstance(needed, list):
        lost = not {object_path(f.path) for f in needed}.isdisjoint(gone)
    else:  # a large table's files: in columns
        lost = needed.holds_any(gone)
    if lost:
        raise FilesMissing(
            f"The source {table} lacks {len(gone)} file(s) its latest version needs: "
            f"{gone[:3]}{' and more' if len(gone) > 3 else ''}.",
            hint="The source table itself is damaged; run `standby verify` on it.",
        )
    log.warning("%d file(s) of %s were vacuumed before they were replicated", len(gone), table)
    return latest.version
