"""Replaying a log into a snapshot's live files as Arrow columns: from a checkpoint (parquet,
multi-part, V2 with sidecars) or a log too large to replay action by action in Python.

Files are keyed by (path, deletion-vector id), as PROTOCOL.md's action reconciliation says.
`Snapshot.files` gives each live file's whole add action, read back from the log only when
asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from standby.delta.actions import encode_actions
from standby.delta.checkpoint import Source, checkpoint_content, file_actions
from standby.delta.columnar import FILE_SCHEMA, parse_json_log
from standby.delta.files import FileKey
from standby.delta.fileset import dv_ids, file_keys
from standby.delta.log import DeltaLog, LogFile, commit_path
from standby.delta.snapshot import Snapshot, require_table
from standby.storage.base import ObjectStore


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


def replay(log_: DeltaLog, target: int, cp: int | None, cp_files: list[LogFile]) -> Snapshot:
    """The snapshot at `target`, from checkpoint `cp` (None: commit 0) and the commits after."""
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
    require_table(snap.protocol, snap.metadata, url=log_.url, version=target)
    snap.columns = live_files(events)
    snap.files = FileMap(snap.columns, sources, log_.store)
    return snap


def add_columns(adds: Iterable[dict[str, Any]]) -> pa.Table:
    """Add actions as the rows a replay gives (FILE_SCHEMA): a small snapshot's, on demand."""
    _, files = parse_json_log(encode_actions({"add": a} for a in adds), where="snapshot")
    return files


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
