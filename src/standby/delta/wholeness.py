"""Which versions of a table copy are whole: every file their live adds need is stored.

One pass over the log from a start version, in columns: each add whose data or deletion-
vector file is missing opens a hole at its version that the next action on the same key
(a remove, or a new add) closes. A version is whole when no hole is open at it. The cost is
one sort of the file actions, not a Python object per file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from standby.delta.columnar import parse_json_log
from standby.delta.fileset import SET_SCHEMA, FileSet, dv_locations, file_keys
from standby.delta.log import DeltaLog, LogListing, commit_path
from standby.delta.snapshot import load_snapshot


@dataclass
class Wholeness:
    start: int
    end: int  # the last version read (the latest, or the last before a gap in the log)
    whole: list[int]  # the whole versions among start..end, ascending
    missing: list[str]  # files version `end` needs that storage lacks (as the log names them)


def scan(log_: DeltaLog, listing: LogListing, start: int, present: dict[str, int]) -> Wholeness:
    """Whole versions from `start` (a version the listed log can rebuild) to the latest."""
    base = load_snapshot(log_, start, listing=listing).live.drop_columns(["src"])
    events = [_at(base, start)]
    end = start
    latest = listing.latest if listing.latest is not None else start
    for v in range(start + 1, latest + 1):
        if v not in listing.commits:
            break  # a gap: nothing after it can be read
        _, files = parse_json_log(log_.store.get(commit_path(v)), where=commit_path(v))
        events.append(_at(files.filter(pc.not_equal(files.column("action"), "cdc")), v))
        end = v
    table = pa.concat_tables(events).combine_chunks()
    data_missing, dv_missing, dv_where = _missing(table, present)
    bad = pc.and_(pc.equal(table.column("action"), "add"), pc.or_(data_missing, dv_missing))
    counts, still_open = _holes(table, bad.to_numpy(zero_copy_only=False), start, end)
    whole = [start + i for i, n in enumerate(counts) if n == 0]
    rows = np.nonzero(still_open)[0]
    paths = table.column("path").take(rows).to_pylist()
    data = data_missing.take(rows).to_pylist()
    dvs_ = dv_missing.take(rows).to_pylist()
    where = dv_where.take(rows).to_pylist()
    missing: list[str] = []
    for path, d, m, w in zip(paths, data, dvs_, where, strict=True):
        missing += [path] if d else []
        missing += [w] if m else []
    return Wholeness(start, end, whole, missing)


def _at(files: pa.Table, version: int) -> pa.Table:
    return files.append_column("version", pa.array(np.full(files.num_rows, version)))


def _missing(table: pa.Table, present: dict[str, int]) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Per row: its data file is missing; its DV file is missing; where that DV file is."""
    paths = table.column("path")
    data = pa.table(
        {
            "path": paths,
            "size": table.column("size"),
            "kind": pa.array(["data"] * table.num_rows, pa.string()),
            "relative": pc.invert(
                pc.or_(pc.match_substring(paths, "://"), pc.starts_with(paths, "/"))
            ),
        },
        schema=SET_SCHEMA,
    )
    where = dv_locations(table)
    end = pc.add(pc.add(pc.fill_null(table.column("dv_offset"), 0), table.column("dv_size")), 4)
    dv = pa.table(
        {
            "path": where,
            "size": end,
            "kind": pa.array(["dv"] * table.num_rows, pa.string()),
            "relative": pc.fill_null(pc.equal(table.column("dv_type"), "u"), False),
        },
        schema=SET_SCHEMA,
    )
    return FileSet(data).missing_mask(present), FileSet(dv).missing_mask(present), where


def _holes(table: pa.Table, bad: np.ndarray, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Open holes per version start..end, and which rows are holes still open at `end`."""
    n = table.num_rows
    keys = file_keys(table)
    order = pc.sort_indices(
        pa.table({"key": keys, "seq": np.arange(n)}), [("key", "ascending"), ("seq", "ascending")]
    ).to_numpy()
    sorted_keys = keys.take(pa.array(order))
    versions = table.column("version").to_numpy()[order]
    same_next = np.zeros(n, dtype=bool)
    if n > 1:
        same_next[:-1] = pc.equal(sorted_keys[:-1], sorted_keys[1:]).to_numpy(zero_copy_only=False)
    closes = np.full(n, end + 1)
    closes[:-1] = np.where(same_next[:-1], versions[1:], end + 1)
    holes = bad[order]
    diff = np.zeros(end - start + 2, dtype=np.int64)
    np.add.at(diff, versions[holes] - start, 1)
    np.add.at(diff, closes[holes] - start, -1)
    still_open = np.zeros(n, dtype=bool)
    still_open[order[holes & ~same_next]] = True
    return np.cumsum(diff)[:-1], still_open
