"""The `_delta_log` directory: naming, classification, listing and commit I/O.

Listing uses start-after offsets, so asking for what follows version v costs what follows
v, not what the table has accumulated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum

from standby.delta.actions import Action, Commit, encode_actions, parse_actions
from standby.errors import ObjectExists, ObjectNotFound, Refused, TableNotFound
from standby.storage.base import ObjectStore
from standby.storage.url import redact

LOG_DIR = "_delta_log"
LAST_CHECKPOINT = f"{LOG_DIR}/_last_checkpoint"
SIDECAR_DIR = f"{LOG_DIR}/_sidecars"


class LogKind(Enum):
    COMMIT = "commit"
    CHECKPOINT = "checkpoint"  # classic single-file
    CHECKPOINT_PART = "checkpoint_part"  # classic multi-part
    CHECKPOINT_V2 = "checkpoint_v2"  # UUID-named top-level V2 checkpoint (json or parquet)
    SIDECAR = "sidecar"
    LAST_CHECKPOINT = "last_checkpoint"
    CRC = "crc"
    COMPACTED = "compacted"
    OTHER = "other"


_PATTERNS = [
    (LogKind.COMMIT, re.compile(r"^(\d{20})\.json$")),
    (LogKind.CHECKPOINT, re.compile(r"^(\d{20})\.checkpoint\.parquet$")),
    (LogKind.CHECKPOINT_PART, re.compile(r"^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$")),
    (
        LogKind.CHECKPOINT_V2,
        re.compile(r"^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$"),
    ),
    (LogKind.CRC, re.compile(r"^(\d{20})\.crc$")),
    (LogKind.COMPACTED, re.compile(r"^(\d{20})\.(\d{20})\.compacted\.json$")),
]


@dataclass(frozen=True)
class LogFile:
    """One object under `_delta_log/`, with what its name says."""

    path: str  # relative to the table root, e.g. _delta_log/00000000000000000003.json
    kind: LogKind
    size: int
    version: int | None = None
    part: int | None = None
    parts: int | None = None
    end: int | None = None  # the last version a compacted log file covers


def classify(path: str, size: int = 0) -> LogFile:
    """What a path under the table root is, as far as the log is concerned."""
    name = path[len(LOG_DIR) + 1 :] if path.startswith(LOG_DIR + "/") else path
    if name == "_last_checkpoint":
        return LogFile(path, LogKind.LAST_CHECKPOINT, size)
    if name.startswith("_sidecars/"):
        return LogFile(path, LogKind.SIDECAR, size)
    for kind, pattern in _PATTERNS:
        m = pattern.match(name)
        if m:
            part = int(m.group(2)) if kind is LogKind.CHECKPOINT_PART else None
            parts = int(m.group(3)) if kind is LogKind.CHECKPOINT_PART else None
            end = int(m.group(2)) if kind is LogKind.COMPACTED else None
            return LogFile(path, kind, size, int(m.group(1)), part, parts, end)
    return LogFile(path, LogKind.OTHER, size)


def commit_path(version: int) -> str:
    return f"{LOG_DIR}/{version:020d}.json"


@dataclass
class LogListing:
    """The log files found by one listing, grouped by what they are."""

    commits: dict[int, LogFile] = field(default_factory=dict)
    checkpoints: dict[int, list[LogFile]] = field(default_factory=dict)
    sidecars: dict[str, LogFile] = field(default_factory=dict)
    others: list[LogFile] = field(default_factory=list)

    @property
    def latest(self) -> int | None:
        """The newest version listed: a commit, or a complete checkpoint whose commit is gone."""
        versions = [*self.commits, *self.complete_checkpoints()]
        return max(versions) if versions else None

    def add(self, f: LogFile) -> None:
        if f.kind is LogKind.COMMIT:
            self.commits[f.version] = f  # type: ignore[index]
        elif f.kind in (LogKind.CHECKPOINT, LogKind.CHECKPOINT_PART, LogKind.CHECKPOINT_V2):
            self.checkpoints.setdefault(f.version, []).append(f)  # type: ignore[arg-type]
        elif f.kind is LogKind.SIDECAR:
            self.sidecars[f.path] = f
        else:
            self.others.append(f)

    def batches(self, versions: list[int], *, commits: int, size: int) -> Iterator[list[int]]:
        """`versions` in order, in runs of at most `commits` commits and `size` listed bytes
        (a run holds one commit at least): what a reader holds in memory at once."""
        batch: list[int] = []
        held = 0
        for v in versions:
            listed = self.commits[v].size if v in self.commits else 0
            if batch and (len(batch) >= commits or held + listed > size):
                yield batch
                batch, held = [], 0
            batch.append(v)
            held += listed
        if batch:
            yield batch

    @property
    def compactions(self) -> list[LogFile]:
        """Compacted log files (`<start>.<end>.compacted.json`): the actions of commits
        start..end in one file, an optional shortcut for readers."""
        return [f for f in self.others if f.kind is LogKind.COMPACTED]

    def complete_checkpoints(self) -> dict[int, list[LogFile]]:
        """Checkpoints whose files are all present: one V2 file, one classic file, or every
        part of one multi-part set; per version, newest-complete-first candidates."""
        found: dict[int, list[LogFile]] = {}
        for version, files in self.checkpoints.items():
            for f in files:
                if f.kind in (LogKind.CHECKPOINT, LogKind.CHECKPOINT_V2):
                    found.setdefault(version, [f])
            parts = [f for f in files if f.kind is LogKind.CHECKPOINT_PART]
            by_total: dict[int, list[LogFile]] = {}
            for f in parts:
                by_total.setdefault(f.parts or 0, []).append(f)
            for total, group in by_total.items():
                if version not in found and {f.part for f in group} == set(range(1, total + 1)):
                    found[version] = sorted(group, key=lambda f: f.part or 0)
        return found


class DeltaLog:
    """A table's log on one store: listing, reading and writing commits."""

    def __init__(self, store: ObjectStore):
        self.store = store

    @property
    def url(self) -> str:
        return self.store.url

    def list(self, *, from_version: int = 0) -> LogListing:
        """Every log file from `from_version` on (plus `_last_checkpoint` and sidecars)."""
        offset = f"{LOG_DIR}/{from_version - 1:020d}.~" if from_version > 0 else None
        listing = LogListing()
        for info in self.store.list(LOG_DIR + "/", offset=offset):
            listing.add(classify(info.path, info.size))
        return listing

    def require(self, *, from_version: int = 0) -> LogListing:
        """list(), raising TableNotFound when there is no commit at all."""
        listing = self.list(from_version=from_version)
        if listing.latest is None and from_version == 0:
            raise TableNotFound(
                f"No Delta table at {self.url}: no commits in {LOG_DIR}/.",
                hint="Check the URI; a Delta table is a directory with a _delta_log/ inside.",
            )
        return listing

    def read_commit(self, version: int) -> Commit:
        raw = self.store.get(commit_path(version))
        return Commit(version, parse_actions(raw, where=commit_path(version)), raw)

    def read_raw(self, version: int) -> bytes | None:
        """A commit's bytes, or None when the version does not exist."""
        try:
            return self.store.get(commit_path(version))
        except ObjectNotFound:
            return None

    def write_commit(self, version: int, actions: Sequence[Action]) -> bytes:
        """Publish version `version` with put-if-absent; refuse if anyone wrote it first."""
        raw = encode_actions(actions)
        try:
            self.store.put(commit_path(version), raw, mode="create")
        except ObjectExists as e:
            raise Refused(
                f"Version {version} of {self.url} was written by someone else meanwhile.",
                hint="Nothing was changed by this run; rerun it to start from the new version.",
            ) from e
        return raw


def open_log(store: ObjectStore) -> tuple[DeltaLog, LogListing]:
    """The log of the table in `store` and its listing; TableNotFound names what is there."""
    log = DeltaLog(store)
    listing = log.list()
    if listing.latest is None:
        anything = next(iter(store.list("")), None)
        what = "it holds no _delta_log/ commits" if anything else "nothing is there"
        raise TableNotFound(
            f"{redact(store.url)} is not a Delta table: {what}.",
            hint="Check the URI; a Delta table is a directory with a _delta_log/ inside.",
        )
    return log, listing


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


def usable_checkpoints(listing: LogListing, target: int) -> list[int]:
    """Complete checkpoints at or before `target` with every commit after them, newest first."""
    checkpoints = listing.complete_checkpoints()
    return [
        cp
        for cp in sorted((v for v in checkpoints if v <= target), reverse=True)
        if all(v in listing.commits for v in range(cp + 1, target + 1))
    ]
