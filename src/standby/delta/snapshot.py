"""A table's state at one version: protocol, metadata and live files, replayed from the log.

Replay starts at the newest complete checkpoint at or before the version (falling back to
older ones if it cannot be read), then applies commits in order. Files are keyed by
(path, deletion-vector id), as PROTOCOL.md's action reconciliation says. Live files are
Arrow columns (`Snapshot.live`); `Snapshot.files` gives each one's whole add action, read
back from the log only when asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from standby.delta import dv as dvs
from standby.delta.actions import Action
from standby.delta.checkpoint import Source, checkpoint_content, file_actions
from standby.delta.columnar import FILE_SCHEMA, parse_json_log
from standby.delta.fileset import (
    FileAction,
    FileSet,
    dv_ids,
    file_keys,
    files_of,
    is_absolute,
    object_path,
    referenced,
)
from standby.delta.log import DeltaLog, LogFile, LogListing, commit_path, reconstructable
from standby.errors import BadInput, ObjectNotFound, VersionNotFound
from standby.storage.base import ObjectStore

log = logging.getLogger(__name__)
FileKey = tuple[str, str | None]
__all__ = [
    "FileAction",
    "FileKey",
    "Snapshot",
    "file_key",
    "files_of",
    "is_absolute",
    "load_snapshot",
    "object_path",
    "reconstructable",
]


def file_key(action: dict[str, Any]) -> FileKey:
    return action["path"], dvs.unique_id(action.get("deletionVector"))


class FileMap(Mapping[FileKey, dict[str, Any]]):
    """The live files as a mapping key -> add action; the actions are read from the log
    (every source once) on first use of a value, keys from the columns."""

    def __init__(self, live: pa.Table, sources: list[Source], store: ObjectStore | None):
        self._live, self._sources, self._store = live, sources, store
        self._keys: list[FileKey] | None = None
        self._index: dict[FileKey, int] | None = None
        self._values: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return int(self._live.num_rows)

    def __iter__(self) -> Iterator[FileKey]:
        return iter(self.keys_list())

    def __contains__(self, key: object) -> bool:
        return key in self.index()

    def __getitem__(self, key: FileKey) -> dict[str, Any]:
        return self.values_list()[self.index()[key]]

    def keys_list(self) -> list[FileKey]:
        if self._keys is None:
            paths = self._live.column("path").to_pylist()
            ids = dv_ids(self._live).to_pylist()
            self._keys = list(zip(paths, ids, strict=True))
        return self._keys

    def index(self) -> dict[FileKey, int]:
        if self._index is None:
            self._index = {k: i for i, k in enumerate(self.keys_list())}
        return self._index

    def values_list(self) -> list[dict[str, Any]]:
        if self._values is None:
            self._values = self._materialize()
        return self._values

    def _materialize(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any] | None] = [None] * len(self)
        src = self._live.column("src").to_numpy()
        ords = self._live.column("ord").to_numpy()
        for s in np.unique(src):
            rows = np.nonzero(src == s)[0]
            assert self._store is not None
            actions = file_actions(self._store, self._sources[int(s)], ords[rows].tolist())
            for row, action in zip(rows.tolist(), actions, strict=True):
                out[row] = action["add"]
        return [a for a in out if a is not None]


@dataclass
class Snapshot:
    """What a reader sees at `version`."""

    version: int
    protocol: dict[str, Any]
    metadata: dict[str, Any]
    files: Mapping[FileKey, dict[str, Any]] = field(default_factory=dict)
    txns: dict[str, dict[str, Any]] = field(default_factory=dict)
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkpoint_version: int | None = None
    live: pa.Table = field(default_factory=FILE_SCHEMA.empty_table, repr=False)

    @property
    def size_bytes(self) -> int:
        return int(pc.sum(self.live.column("size")).as_py() or 0)

    def referenced(self) -> FileSet:
        """Every data and deletion-vector file the live adds need, as columns."""
        return referenced(self.live)

    def referenced_files(self) -> list[FileAction]:
        """Every data and deletion-vector file the live adds need, deduplicated."""
        return self.referenced().actions()

    def apply_state(self, actions: list[Action]) -> None:
        """Protocol, metadata, app transactions and domain metadata (not files)."""
        for action in actions:
            if "metaData" in action:
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
    for cp in _usable(listing, target):
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


def usable_checkpoint(listing: LogListing, version: int) -> int | None:
    """The newest complete checkpoint a replay to `version` can start from, by name only."""
    return next(iter(_usable(listing, version)), None)


def _usable(listing: LogListing, target: int) -> list[int]:
    """Complete checkpoints at or before `target` with every commit after them, newest first."""
    checkpoints = listing.complete_checkpoints()
    return [
        cp
        for cp in sorted((v for v in checkpoints if v <= target), reverse=True)
        if all(v in listing.commits for v in range(cp + 1, target + 1))
    ]


def _replay(log_: DeltaLog, target: int, cp: int | None, cp_files: list[LogFile]) -> Snapshot:
    snap = Snapshot(version=target, protocol={}, metadata={}, checkpoint_version=cp)
    sources: list[Source] = []
    events: list[pa.Table] = []

    def add_events(source: Source, files: pa.Table) -> None:
        tag = pa.array(np.full(files.num_rows, len(sources), dtype=np.int32))
        sources.append(source)
        events.append(files.append_column("src", tag))

    if cp is not None:
        content = checkpoint_content(log_.store, cp_files)
        snap.apply_state(content.actions)
        for source, adds in content.adds:
            add_events(source, adds)
    for v in range(0 if cp is None else cp + 1, target + 1):
        path = commit_path(v)
        others, files = parse_json_log(log_.store.get(path), where=path)
        snap.apply_state(others)
        add_events(Source(path), files.filter(pc.not_equal(files["action"], "cdc")))
    if not snap.protocol or not snap.metadata:
        raise BadInput(
            f"The log of {log_.url} at version {target} has no "
            f"{'protocol' if not snap.protocol else 'metaData'} action: it is not a valid table.",
            path=log_.url + "/" + commit_path(target),
        )
    snap.live = live_files(events)
    snap.files = FileMap(snap.live, sources, log_.store)
    return snap


def live_files(events: list[pa.Table]) -> pa.Table:
    """The adds no later action of the same key removed or replaced, in log order."""
    if not events:
        return FILE_SCHEMA.append(pa.field("src", pa.int32())).empty_table()
    table = pa.concat_tables(events)
    if _only_distinct_adds(table):
        return table
    table = table.combine_chunks()
    is_add = pc.equal(table.column("action"), "add")
    keys = file_keys(table)
    seq = pa.array(np.arange(table.num_rows, dtype=np.int64))
    last = pa.table({"key": keys, "seq": seq}).group_by("key").aggregate([("seq", "max")])
    keep = pc.and_(pc.is_in(seq, value_set=last.column("seq_max")), is_add)
    return table.filter(keep)


def _only_distinct_adds(table: pa.Table) -> bool:
    """Only adds, none with a DV, no path twice: every row is live (the usual large log)."""
    return bool(
        pc.all(pc.equal(table.column("action"), "add")).as_py()
        and pc.all(pc.is_null(table.column("dv_type"))).as_py()
        and pc.count_distinct(table.column("path")).as_py() == table.num_rows
    )
