"""The files a set of actions references (data, deletion-vector and cdc files), and whether
storage holds them, as Arrow columns: the form for large logs (`files` holds the Python one).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from standby.delta import dv as dvs
from standby.delta.files import FileAction, files_of, is_absolute, object_path

__all__ = [
    "SET_SCHEMA",
    "FileAction",
    "FileSet",
    "dv_ids",
    "dv_locations",
    "file_keys",
    "files_of",
    "is_absolute",
    "object_path",
    "referenced",
]

SET_SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("size", pa.int64()),
        ("kind", pa.string()),
        ("relative", pa.bool_()),
    ]
)


def dv_ids(files: pa.Table) -> pa.Array:
    """Each row's deletion-vector unique id as `dv.unique_id` spells it (null: no DV)."""
    base = pc.binary_join_element_wise(files.column("dv_type"), files.column("dv_path"), "")
    offset = files.column("dv_offset").cast(pa.string())
    with_offset = pc.binary_join_element_wise(base, offset, "@")
    return pc.if_else(pc.is_null(offset), base, with_offset)


def file_keys(files: pa.Table) -> pa.Array:
    """One string per (path, DV id): the key of action reconciliation."""
    ids = pc.fill_null(dv_ids(files), "")
    return pc.binary_join_element_wise(files.column("path"), ids, "\x00")


@dataclass(frozen=True)
class FileSet:
    """Referenced files as columns (SET_SCHEMA), one row per path."""

    table: pa.Table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    @property
    def paths(self) -> list[str]:
        return list(self.table.column("path").to_pylist())

    @property
    def total_size(self) -> int:
        return int(pc.sum(self.table.column("size")).as_py() or 0)

    def filter(self, mask: pa.Array) -> FileSet:
        return FileSet(self.table.filter(mask))

    def relative(self) -> FileSet:
        return self.filter(self.table.column("relative"))

    def actions(self) -> list[FileAction]:
        t = self.table
        return [
            FileAction(p, s, k, r)
            for p, s, k, r in zip(*(t.column(c).to_pylist() for c in SET_SCHEMA.names), strict=True)
        ]

    def keys(self) -> pa.Array:
        """Storage keys of the paths (URL-decoded where the log encoded them)."""
        paths = self.table.column("path").combine_chunks()
        encoded = pc.match_substring(paths, "%")
        if not pc.any(encoded).as_py():
            return paths
        decoded = [
            object_path(p) if e else p
            for p, e in zip(paths.to_pylist(), encoded.to_pylist(), strict=True)
        ]
        return pa.array(decoded, pa.string())

    def stored_sizes(self, present: dict[str, int]) -> pa.Array:
        """The size storage holds of each file (null: absent), from one listing."""
        names = pa.array(list(present), pa.string())
        sizes = pa.array(list(present.values()), pa.int64())
        return sizes.take(pc.index_in(self.keys(), value_set=names))

    def missing_mask(self, present: dict[str, int]) -> pa.Array:
        """Relative files absent from `present` or shorter (DV) / other-sized than the log says."""
        have = self.stored_sizes(present)
        size, dv = self.table.column("size"), pc.equal(self.table.column("kind"), "dv")
        wrong = pc.if_else(dv, pc.less(have, size), pc.not_equal(have, size))
        bad = pc.or_(pc.is_null(have), pc.fill_null(wrong, False))
        return pc.and_(self.table.column("relative"), bad)

    def holds_any(self, keys: list[str]) -> bool:
        """Whether any of the storage keys `keys` is one of these files."""
        return bool(pc.any(pc.is_in(pa.array(keys, pa.string()), value_set=self.keys())).as_py())

    @staticmethod
    def union(sets: Iterable[FileSet]) -> FileSet:
        """Rows of every set, one per path: the first one seen."""
        tables = [s.table for s in sets]
        if not tables:
            return FileSet(SET_SCHEMA.empty_table())
        return FileSet(_first_per_path(pa.concat_tables(tables)))


def referenced(files: pa.Table, *, kind: str = "data") -> FileSet:
    """The files `files` (rows of add or cdc actions, FILE_SCHEMA) need: each data file
    once, and each DV file once with the end of its last vector as its size."""
    paths = files.column("path")
    data = pa.table(
        {
            "path": paths,
            "size": files.column("size"),
            "kind": pa.array(np.full(files.num_rows, kind, dtype=object), pa.string()),
            "relative": pc.invert(
                pc.or_(pc.match_substring(paths, "://"), pc.starts_with(paths, "/"))
            ),
        },
        schema=SET_SCHEMA,
    )
    stored = files.filter(pc.is_in(files.column("dv_type"), value_set=pa.array(["u", "p"])))
    parts = [_first_per_path(data)]
    if stored.num_rows:
        parts.append(_dv_files(stored))
    return FileSet(pa.concat_tables(parts))


def dv_locations(files: pa.Table) -> pa.Array:
    """Per row, where its stored deletion vector lives: a table-relative file ('u') or an
    absolute URI ('p'); null for no DV or an inline one. Each distinct DV decoded once."""
    if not pc.any(pc.is_valid(files.column("dv_type"))).as_py():
        return pa.nulls(files.num_rows, pa.string())
    kinds = files.column("dv_type").to_pylist()
    encoded = files.column("dv_path").to_pylist()
    where: dict[tuple[str, str], str] = {}
    out: list[str | None] = []
    for kind, value in zip(kinds, encoded, strict=True):
        if kind not in ("u", "p") or value is None:
            out.append(None)
            continue
        if (kind, value) not in where:
            where[kind, value] = _dv_location(kind, value)
        out.append(where[kind, value])
    return pa.array(out, pa.string())


def _dv_files(stored: pa.Table) -> pa.Table:
    located = dv_locations(stored)
    end = pc.add(pc.add(pc.fill_null(stored.column("dv_offset"), 0), stored.column("dv_size")), 4)
    grouped = (
        pa.table(
            {"path": located, "size": end, "relative": pc.equal(stored.column("dv_type"), "u")}
        )
        .group_by("path", use_threads=False)
        .aggregate([("size", "max"), ("relative", "first")])
    )
    n = grouped.num_rows
    return pa.table(
        {
            "path": grouped.column("path"),
            "size": grouped.column("size_max"),
            "kind": pa.array(["dv"] * n, pa.string()),
            "relative": grouped.column("relative_first"),
        },
        schema=SET_SCHEMA,
    )


def _dv_location(kind: str, encoded: str) -> str:
    """Where a stored DV lives: a table-relative file ('u') or an absolute URI ('p')."""
    if kind == "p":
        return encoded
    prefix, token = encoded[:-20], encoded[-20:]
    name = f"deletion_vector_{uuid.UUID(bytes=dvs.z85_decode(token))}.bin"
    return f"{prefix}/{name}" if prefix else name


def _first_per_path(table: pa.Table) -> pa.Table:
    paths = table.column("path")
    if pc.count_distinct(paths).as_py() == table.num_rows:
        return table
    table = table.combine_chunks()
    paths = table.column("path")
    seq = pa.array(np.arange(table.num_rows, dtype=np.int64))
    first = pa.table({"path": paths, "seq": seq}).group_by("path", use_threads=False)
    keep = first.aggregate([("seq", "min")]).column("seq_min")
    return table.filter(pc.is_in(seq, value_set=keep))
