"""How tests read tables: deltalake for what it can read, and a small snapshot reader for
shallow clones (deltalake 1.6 does not follow absolute paths in add actions)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import deltalake
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from standby.delta import DeltaLog, load_snapshot
from standby.storage import open_store

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def corpus_tables() -> list[Path]:
    """Every directory of the corpus that holds a _delta_log, plus the ones that pretend to."""
    found = sorted(p.parent for p in CORPUS.rglob("_delta_log"))
    return [*found, CORPUS / "delta-rs" / "golden"]


def table_id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def read(uri: str, version: int | None = None, **options: Any) -> pa.Table:
    return deltalake.DeltaTable(uri, version=version, **options).to_pyarrow_table()


def readable(path: Path) -> bool:
    try:
        read(str(path))
        return True
    except Exception:
        return False


def canonical(table: pa.Table) -> Any:
    """Rows in an order that does not depend on files: sorted by every sortable column,
    or, when a column cannot be sorted, as a sorted list of row reprs."""
    table = table.combine_chunks()
    sortable = [f.name for f in table.schema if not pa.types.is_nested(f.type)]
    if table.num_rows > 50_000 and sortable:
        return table.sort_by([(c, "ascending") for c in sortable])
    return sorted(repr(sorted(r.items())) for r in table.to_pylist())


def same_rows(a: pa.Table, b: pa.Table) -> bool:
    ca, cb = canonical(a), canonical(b)
    if isinstance(ca, pa.Table):
        return bool(ca.schema == cb.schema and ca.equals(cb))
    return bool(ca == cb)


def read_snapshot(uri: str, version: int | None = None) -> pa.Table:
    """Rows of a table with no deletion vectors and no column mapping, read file by file
    from where the snapshot's add actions point (relative or absolute)."""
    store = open_store(uri)
    snap = load_snapshot(DeltaLog(store), version)
    root = urlparse(store.url).path
    partition_cols = snap.metadata.get("partitionColumns") or []
    parts = []
    for add in snap.files.values():
        assert not add.get("deletionVector"), "snapshot reader does not apply deletion vectors"
        path = add["path"]
        local = unquote(urlparse(path).path) if "://" in path else os.path.join(root, unquote(path))
        t = pq.read_table(local)
        for col in partition_cols:
            value = add["partitionValues"].get(col)
            t = t.append_column(col, pa.array([value] * t.num_rows, pa.string()))
        parts.append(t)
    if not parts:
        return pa.table({})
    return pa.concat_tables(parts, promote_options="permissive")
