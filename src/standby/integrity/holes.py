"""Holes in a segment of the log: adds whose data or deletion-vector file the copy lacks.

Each such add opens a hole at its version that the next action on the same key (a remove,
or a new add) closes; a version is whole when no hole is open at it. All in columns: one
sort of the file actions, not a Python object per file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from standby.delta.fileset import SET_SCHEMA, FileSet, dv_locations, file_keys
from standby.integrity.findings import Problem, no_collection


@dataclass
class Missing:
    """Per row: whether its data file and its DV file are missing, and the stored sizes."""

    data: pa.Array
    dv: pa.Array
    dv_where: pa.Array
    data_have: pa.Array
    dv_have: pa.Array


def open_holes(
    table: pa.Table, present: dict[str, int], start: int, end: int
) -> tuple[np.ndarray, np.ndarray, Missing]:
    """Open holes per version start..end, which rows are still open at `end`, and what each
    row misses. `table`: add/remove rows (FILE_SCHEMA columns) with a `version` column."""
    missing = _missing(table, present)
    bad = pc.and_(pc.equal(table.column("action"), "add"), pc.or_(missing.data, missing.dv))
    holes = np.asarray(bad.to_numpy(zero_copy_only=False), dtype=bool)
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
    holes = holes[order]
    diff = np.zeros(end - start + 2, dtype=np.int64)
    np.add.at(diff, versions[holes] - start, 1)
    np.add.at(diff, closes[holes] - start, -1)
    still_open = np.zeros(n, dtype=bool)
    still_open[order[holes & ~same_next]] = True
    return np.cumsum(diff)[:-1], still_open, missing


def hole_problems(
    table: pa.Table, still_open: np.ndarray, missing: Missing, present: dict[str, int]
) -> list[Problem]:
    """A finding per file the holes still open lack, in log order (rows a slice at a time:
    a Python object per value only for the slice at hand)."""
    rows = np.nonzero(still_open)[0]
    end = pc.add(pc.add(pc.fill_null(table.column("dv_offset"), 0), table.column("dv_size")), 4)
    columns = [
        table.column("path"),
        table.column("size"),
        table.column("version"),
        missing.data,
        missing.data_have,
        missing.dv,
        missing.dv_where,
        missing.dv_have,
        end,
    ]
    problems: list[Problem] = []
    whys: dict[int, str] = {}
    with no_collection():
        for start in range(0, len(rows), SLICE):
            taken = pa.array(rows[start : start + SLICE])
            values = [c.take(taken).to_pylist() for c in columns]
            for path, size, version, data, have, dv, where, dv_have, dv_end in zip(
                *values, strict=True
            ):
                why = whys.get(version) or whys.setdefault(
                    version, f"referenced since version {version}, not in the copy"
                )  # one string per version, not per finding
                if data:
                    problems.append(_problem(path, size, have, why))
                if dv:
                    problems.append(_problem(where, dv_end, dv_have, why))
    return problems


SLICE = 1 << 16


def _problem(path: str, size: int | None, have: int | None, why: str) -> Problem:
    if have is None:
        return Problem(path, "missing", why)
    return Problem(path, "size", f"{have} bytes, the log says {size}")


def _missing(table: pa.Table, present: dict[str, int]) -> Missing:
    n = table.num_rows
    paths = table.column("path")
    data = FileSet(
        pa.table(
            {
                "path": paths,
                "size": table.column("size"),
                "kind": pa.nulls(n, pa.string()).fill_null("data"),
                "relative": pc.invert(
                    pc.or_(pc.match_substring(paths, "://"), pc.starts_with(paths, "/"))
                ),
            },
            schema=SET_SCHEMA,
        )
    )
    where = dv_locations(table)
    end = pc.add(pc.add(pc.fill_null(table.column("dv_offset"), 0), table.column("dv_size")), 4)
    dv = FileSet(
        pa.table(
            {
                "path": where,
                "size": end,
                "kind": pa.nulls(n, pa.string()).fill_null("dv"),
                "relative": pc.fill_null(pc.equal(table.column("dv_type"), "u"), False),
            },
            schema=SET_SCHEMA,
        )
    )
    return Missing(
        data=data.missing_mask(present),
        dv=dv.missing_mask(present),
        dv_where=where,
        data_have=data.stored_sizes(present),
        dv_have=dv.stored_sizes(present),
    )
