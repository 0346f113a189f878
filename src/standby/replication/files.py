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

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from standby.delta import DeltaLog, load_snapshot
from standby.delta import dv as dvs
from standby.delta.actions import Commit
from standby.delta.fileset import FileSet, referenced
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


def refuse_external_columns(files: pa.Table, *, table: str, version: int) -> None:
    """refuse_external for file actions as columns (FILE_SCHEMA rows)."""
    paths = files.column("path")
    outside = pc.or_(
        pc.or_(pc.match_substring(paths, "://"), pc.starts_with(paths, "/")),
        pc.fill_null(pc.equal(files.column("dv_type"), "p"), False),
    )
    if pc.any(outside).as_py():
        first = files.filter(outside).slice(0, 1).to_pylist()[0]
        dv = {"storageType": first["dv_type"], "pathOrInlineDv": first["dv_path"]}
        refuse_external(
            [{"path": first["path"], "deletionVector": dv}], table=table, version=version
        )


def commit_fileset(files: pa.Table, *, table: str, version: int) -> FileSet:
    """Data, cdc and deletion-vector files of a commit's file actions (as columns)."""
    action = files.column("action")
    adds = files.filter(pc.equal(action, "add"))
    refuse_external_columns(adds, table=table, version=version)
    return FileSet.union(
        [referenced(adds), referenced(files.filter(pc.equal(action, "cdc")), kind="cdc")]
    )


def lacking_columns(
    files: FileSet, target: ObjectStore, known: dict[str, int] | None, heads: ThreadPoolExecutor
) -> FileSet:
    """`lacking` in columns: by a head each, or from `known` (a listing) with a head only
    for what it says is short (a DV file's size is a bound). `known` is not updated here."""
    if known is None:
        need = list(heads.map(lambda f: bool(missing_on_target([f], target)), files.actions()))
        return files.filter(pa.array(need, pa.bool_()))
    lacks = files.missing_mask(known)
    todo = files if pc.all(lacks).as_py() else files.filter(lacks)
    listed = pc.is_valid(todo.stored_sizes(known))
    if not pc.any(listed).as_py():
        return todo
    short = todo.filter(listed)
    need = list(heads.map(lambda f: bool(missing_on_target([f], target)), short.actions()))
    return FileSet.union([todo.filter(pc.invert(listed)), short.filter(pa.array(need, pa.bool_()))])


def split_absent(files: FileSet, source: ObjectStore) -> tuple[FileSet, list[str]]:
    """Many files to copy: those the source holds, and the keys of those it lacks, from one
    listing (cheaper than a failed copy each); few: all of them, copies find out."""
    if len(files) <= LISTING_FROM:
        return files, []
    absent = files.missing_mask(inventory(source))
    if not pc.any(absent).as_py():
        return files, []
    return files.filter(pc.invert(absent)), files.filter(absent).keys().to_pylist()


def note_copied(known: dict[str, int] | None, files: FileSet) -> None:
    """Record in `known` (a listing kept up to date) the files copied, at their size."""
    if known is None:
        return
    for key, size in zip(
        files.keys().to_pylist(), files.table.column("size").to_pylist(), strict=True
    ):
        known[key] = max(size or 0, known.get(key, 0))


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
    live = latest.referenced().keys()  # a large table's files: in columns
    if pc.any(pc.is_in(pa.array(gone, pa.string()), value_set=live)).as_py():
        raise FilesMissing(
            f"The source {table} lacks {len(gone)} file(s) its latest version needs: "
            f"{gone[:3]}{' and more' if len(gone) > 3 else ''}.",
            hint="The source table itself is damaged; run `standby verify` on it.",
        )
    log.warning("%d file(s) of %s were vacuumed before they were replicated", len(gone), table)
    return latest.version
