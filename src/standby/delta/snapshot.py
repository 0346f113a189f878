"""A table's state at one version: protocol, metadata and live files, replayed from the log.

Replay starts at the newest complete checkpoint at or before the version (falling back to
older ones if it cannot be read), then applies commits in order. Files are keyed by
(path, deletion-vector id), as PROTOCOL.md's action reconciliation says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from standby.delta import dv as dvs
from standby.delta.actions import Action
from standby.delta.checkpoint import read_checkpoint
from standby.delta.log import DeltaLog, LogFile, LogListing, commit_path
from standby.errors import BadInput, ObjectNotFound, VersionNotFound

log = logging.getLogger(__name__)
FileKey = tuple[str, str | None]


def file_key(action: dict[str, Any]) -> FileKey:
    return action["path"], dvs.unique_id(action.get("deletionVector"))


def is_absolute(path: str) -> bool:
    return "://" in path or path.startswith("/")


def object_path(path: str) -> str:
    """The storage key of a relative path as the log writes it (URL-encoded)."""
    return unquote(path)


@dataclass
class FileAction:
    """A file the snapshot references, with where its bytes live."""

    path: str  # as in the log
    size: int | None
    kind: str  # data | dv | cdc
    relative: bool


@dataclass
class Snapshot:
    """What a reader sees at `version`."""

    version: int
    protocol: dict[str, Any]
    metadata: dict[str, Any]
    files: dict[FileKey, dict[str, Any]] = field(default_factory=dict)
    txns: dict[str, dict[str, Any]] = field(default_factory=dict)
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkpoint_version: int | None = None

    @property
    def size_bytes(self) -> int:
        return sum(int(a.get("size") or 0) for a in self.files.values())

    def referenced_files(self) -> list[FileAction]:
        """Every data and deletion-vector file the live adds need, deduplicated."""
        return files_of(self.files.values())

    def apply(self, actions: list[Action]) -> None:
        for action in actions:
            if "add" in action:
                self.files[file_key(action["add"])] = action["add"]
            elif "remove" in action:
                self.files.pop(file_key(action["remove"]), None)
            elif "metaData" in action:
                self.metadata = action["metaData"]
            elif "protocol" in action:
                self.protocol = action["protocol"]
            elif "txn" in action:
                self.txns[action["txn"]["appId"]] = action["txn"]
            elif "domainMetadata" in action:
                d = action["domainMetadata"]
                if d.get("removed"):
                    self.domains.pop(d["domain"], None)
                else:
                    self.domains[d["domain"]] = d


def files_of(adds: Any, *, kind: str = "data") -> list[FileAction]:
    """The data (or cdc) files and DV files that a set of add/cdc actions reference."""
    seen: dict[str, FileAction] = {}
    for a in adds:
        path = a["path"]
        seen.setdefault(path, FileAction(path, a.get("size"), kind, not is_absolute(path)))
        dv = a.get("deletionVector")
        if dv:
            rel = dvs.relative_path(dv)
            absolute = dvs.absolute_path(dv)
            where = rel or absolute
            if where:
                # A DV file holds many vectors; its full size is unknown, its end is a lower bound.
                end = int(dv.get("offset") or 0) + int(dv["sizeInBytes"]) + 4
                prev = seen.get(where)
                size = max(end, prev.size or 0) if prev else end
                seen[where] = FileAction(where, size, "dv", rel is not None)
    return list(seen.values())


def reconstructable(listing: LogListing) -> tuple[int, int] | None:
    """(earliest, latest) versions whose state the listed log can rebuild, or None."""
    latest = listing.latest
    if latest is None:
        return None
    earliest = latest
    while earliest - 1 in listing.commits:
        earliest -= 1
    checkpoints = [v for v in listing.complete_checkpoints() if earliest - 1 <= v <= latest]
    if earliest == 0 and 0 in listing.commits:
        return 0, latest
    if checkpoints:
        return min(checkpoints), latest
    return None


def load_snapshot(
    log_: DeltaLog, version: int | None = None, *, listing: LogListing | None = None
) -> Snapshot:
    """The snapshot at `version` (latest when None). Raises TableNotFound, VersionNotFound."""
    listing = listing or log_.require()
    span = reconstructable(listing)
    latest = listing.latest
    target = latest if version is None else version
    if span is None or target is None or not span[0] <= target <= span[1]:
        have = f"versions {span[0]} to {span[1]}" if span else "no reconstructable version"
        raise VersionNotFound(
            f"Version {target} of {log_.url} does not exist or cannot be reconstructed "
            f"(the log has {have}).",
            hint="Run `standby table history` to see the versions that exist.",
        )
    checkpoints = listing.complete_checkpoints()
    for cp in sorted((v for v in checkpoints if v <= target), reverse=True):
        if any(v not in listing.commits for v in range(cp + 1, target + 1)):
            continue
        try:
            return _replay(log_, target, cp, checkpoints[cp])
        except (ObjectNotFound, BadInput) as e:
            log.warning("checkpoint %d of %s unusable (%s); trying an older one", cp, log_.url, e)
    if all(v in listing.commits for v in range(0, target + 1)):
        return _replay(log_, target, None, [])
    raise VersionNotFound(
        f"Version {target} of {log_.url} cannot be reconstructed: commits before it were "
        "cleaned up and no usable checkpoint precedes it.",
        hint="Pick a later version (see `standby table history`).",
    )


def _replay(log_: DeltaLog, target: int, cp: int | None, cp_files: list[LogFile]) -> Snapshot:
    snap = Snapshot(version=target, protocol={}, metadata={}, checkpoint_version=cp)
    if cp is not None:
        actions, _ = read_checkpoint(log_.store, cp_files)
        snap.apply(actions)
    start = 0 if cp is None else cp + 1
    for v in range(start, target + 1):
        snap.apply(log_.read_commit(v).actions)
    if not snap.protocol or not snap.metadata:
        raise BadInput(
            f"The log of {log_.url} at version {target} has no "
            f"{'protocol' if not snap.protocol else 'metaData'} action: it is not a valid table.",
            path=log_.url + "/" + commit_path(target),
        )
    return snap
