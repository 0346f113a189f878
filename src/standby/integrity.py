"""Is a replica (or any table copy) complete and correct? `verify` and `safe-point`.

verify: every file the retained versions reference is present at the size the log says;
against a source, every commit is byte-identical; with read_data, contents hash equal and
parquet footers read. safe-point: for a copy made by anything (S3 CRR, azcopy, a crashed
run), the newest version whose commit chain and files are all present.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow.parquet as pq

from standby.delta import DeltaLog, load_snapshot
from standby.delta.log import LAST_CHECKPOINT, commit_path, open_log
from standby.delta.presence import inventory, is_missing
from standby.delta.snapshot import (
    FileAction,
    FileKey,
    file_key,
    files_of,
    object_path,
    reconstructable,
)
from standby.errors import ObjectNotFound, Refused, StandbyError
from standby.replication.state import read_state
from standby.storage import ObjectStore, open_store, redact

log = logging.getLogger(__name__)
QUARANTINE = "_standby/quarantine"


@dataclass
class Problem:
    path: str
    kind: str  # missing | size | content | unreadable | commit_missing | commit_differs
    detail: str


@dataclass
class VerifyReport:
    ok: bool
    version: int
    files_checked: int
    complete_from: int
    problems: list[Problem] = field(default_factory=list)


def referenced_since(dl: DeltaLog, listing: Any, start: int) -> list[FileAction]:
    """Files any version from `start` to the latest references: the snapshot at `start`
    plus every file added after it."""
    snapshot = load_snapshot(dl, start, listing=listing)
    files = {f.path: f for f in snapshot.referenced_files()}
    for v in range(start + 1, listing.latest + 1):
        commit = dl.read_commit(v)
        for f in files_of(commit.of("add")) + files_of(commit.of("cdc"), kind="cdc"):
            files.setdefault(f.path, f)
    return list(files.values())


def verify(uri: str, *, against: str | None = None, read_data: bool = False) -> VerifyReport:
    """Check a table copy; problems are listed, never raised (the CLI exits 1 on any)."""
    dl, listing = open_log(open_store(uri))
    state = read_state(dl.store)
    span = reconstructable(listing)
    assert span is not None
    start = max(span[0], state.complete_from if state else span[0])
    files = referenced_since(dl, listing, start)
    present = inventory(dl.store)
    problems: list[Problem] = []
    for f in files:
        if not f.relative:
            continue
        size = present.get(object_path(f.path))
        if size is None:
            problems.append(Problem(f.path, "missing", "referenced by the log, not in storage"))
        elif is_missing(f, size):
            problems.append(Problem(f.path, "size", f"{size} bytes, the log says {f.size}"))
    source_uri = against or (state.source if (state and read_data) else None)
    source = open_store(source_uri) if source_uri else None
    if source is not None and against:
        problems += _compare_commits(dl, DeltaLog(source), start, listing.latest)
    if read_data:
        damaged = {p.path for p in problems}
        todo = [f for f in files if f.relative and f.path not in damaged]
        problems += _read_contents(dl.store, source, todo)
    return VerifyReport(not problems, listing.latest, len(files), start, problems)


def _compare_commits(replica: DeltaLog, source: DeltaLog, start: int, end: int) -> list[Problem]:
    problems = []
    for v in range(start, end + 1):
        mine, theirs = replica.read_raw(v), source.read_raw(v)
        if mine is None:
            if theirs is not None:
                problems.append(Problem(commit_path(v), "commit_missing", "the source has it"))
        elif theirs is None:
            problems.append(
                Problem(commit_path(v), "commit_differs", "the source has no such version")
            )
        elif mine != theirs:
            problems.append(
                Problem(commit_path(v), "commit_differs", "bytes differ from the source's")
            )
    return problems


def _digest(store: ObjectStore, path: str) -> str:
    h = hashlib.sha256()
    for chunk in store.stream(path):
        h.update(chunk)
    return h.hexdigest()


def _read_contents(
    replica: ObjectStore, source: ObjectStore | None, files: list[FileAction]
) -> list[Problem]:
    def check(f: FileAction) -> Problem | None:
        key = object_path(f.path)
        try:
            if source is not None and _digest(replica, key) != _digest(source, key):
                return Problem(f.path, "content", "bytes differ from the source's (sha256)")
            if f.kind != "dv" and key.endswith(".parquet"):
                data = replica.get(key)
                pq.ParquetFile(io.BytesIO(data)).metadata  # noqa: B018 - reading the footer is the check
        except ObjectNotFound:
            return Problem(f.path, "missing", "vanished while verifying")
        except StandbyError:
            raise
        except Exception as e:  # a parquet reader's complaint is the finding
            return Problem(f.path, "unreadable", f"parquet footer unreadable: {e}")
        return None

    with ThreadPoolExecutor(8) as pool:
        return [p for p in pool.map(check, files) if p is not None]


@dataclass
class SafePoint:
    version: int | None  # None: no version is whole
    complete_from: int | None
    latest: int
    torn_versions: list[int]
    problems: list[Problem] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    dry_run: bool = False


def safe_point(
    uri: str, *, repair: bool = False, force: bool = False, dry_run: bool = False
) -> SafePoint:
    """The newest version whose commit chain and every file are present. A dry run repairs
    through a store that records the moves instead of making them (no --force needed)."""
    dl, listing = open_log(open_store(uri, dry_run=dry_run))
    span = reconstructable(listing)
    if span is None:
        return SafePoint(None, None, listing.latest, sorted(listing.commits))
    present = inventory(dl.store)
    snapshot = load_snapshot(dl, span[0], listing=listing)
    # Live file actions whose files are missing; kept up to date commit by commit.
    holes: dict[FileKey, list[str]] = {}
    for key, add in snapshot.files.items():
        _track(holes, key, add, present)
    safe = span[0] if not holes else None
    first_whole = safe
    for v in range(span[0] + 1, listing.latest + 1):
        if v not in listing.commits:
            break  # a gap: nothing after it can be read
        for action in dl.read_commit(v).actions:
            if "add" in action:
                _track(holes, file_key(action["add"]), action["add"], present)
            elif "remove" in action:
                holes.pop(file_key(action["remove"]), None)
        if not holes:
            safe = v
            first_whole = v if first_whole is None else first_whole
    problems = [
        Problem(p, "missing", f"needed by version {listing.latest}")
        for paths in holes.values()
        for p in paths
    ]
    torn = [v for v in sorted(listing.commits) if safe is None or v > safe]
    result = SafePoint(safe, first_whole, listing.latest, torn, problems, dry_run=dry_run)
    if repair and torn:
        if safe is None:
            raise Refused("No version of this table is whole: there is nothing safe to keep.")
        result.quarantined = _quarantine(dl, torn, safe, force=force or dry_run)
    return result


def _track(
    holes: dict[FileKey, list[str]], key: FileKey, add: dict[str, Any], present: dict[str, int]
) -> None:
    missing = [f.path for f in files_of([add]) if f.relative and not _present(f, present)]
    if missing:
        holes[key] = missing
    else:
        holes.pop(key, None)


def _present(f: FileAction, present: dict[str, int]) -> bool:
    return not is_missing(f, present.get(object_path(f.path)))


def _quarantine(dl: DeltaLog, torn: list[int], safe: int, *, force: bool) -> list[str]:
    """Move torn commits (newest first, so the chain never has a gap) and the checkpoints
    beyond the safe version into _standby/quarantine/, so readers see the safe version."""
    listing = dl.list(from_version=safe + 1)
    paths = [commit_path(v) for v in sorted(torn, reverse=True)]
    paths += [f.path for v, fs in listing.checkpoints.items() if v > safe for f in fs]
    if _last_checkpoint_beyond(dl.store, safe):
        paths.append(LAST_CHECKPOINT)
    if not force:
        raise Refused(
            f"Repair would move {len(paths)} log file(s) of {redact(dl.url)} aside "
            f"(versions {torn[0]} to {torn[-1]}).",
            hint="Pass --force to do it (they go to _standby/quarantine/, not away), "
            "or --dry-run to see the list.",
        )
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for path in paths:
        dl.store.put(f"{QUARANTINE}/{stamp}/{path}", dl.store.get(path), mode="create")
        dl.store.delete(path)
    return paths


def _last_checkpoint_beyond(store: ObjectStore, safe: int) -> bool:
    try:
        return int(json.loads(store.get(LAST_CHECKPOINT))["version"]) > safe
    except (ObjectNotFound, ValueError, KeyError, TypeError):
        return False
