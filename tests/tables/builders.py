"""Small Delta tables with a real history, written by deltalake, for table tests."""

from __future__ import annotations

import time
from typing import Any

import deltalake
import pyarrow as pa


def batch(start: int, n: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(start, start + n), pa.int64()),
            "value": pa.array([f"v{i}" for i in range(start, start + n)]),
        }
    )


def history_table(uri: str, *, storage_options: dict[str, str] | None = None) -> list[int]:
    """Versions 0-4: create, append, append, overwrite, delete. Returns each commit's
    log timestamp (ms), a few ms apart so every version owns a distinct instant."""
    opts: dict[str, Any] = {"storage_options": storage_options} if storage_options else {}
    deltalake.write_deltalake(uri, batch(0, 10), **opts)
    for start in (10, 20):
        time.sleep(0.01)
        deltalake.write_deltalake(uri, batch(start, 10), mode="append", **opts)
    time.sleep(0.01)
    deltalake.write_deltalake(uri, batch(100, 5), mode="overwrite", **opts)
    time.sleep(0.01)
    deltalake.DeltaTable(uri, **opts).delete("id < 102")
    return [
        int(h["timestamp"])
        for h in sorted(deltalake.DeltaTable(uri, **opts).history(), key=lambda h: h["version"])
    ]


def checkpointed_table(
    uri: str, *, versions: int = 15, checkpoints: tuple[int, ...] = (5, 10)
) -> None:
    """Versions 0 to versions-1 of a partitioned table whose files come and go (appends, an
    overwrite at version 7, deletes at every fourth), with classic checkpoints after the
    versions in `checkpoints` and a `_last_checkpoint` naming the newest."""
    for v in range(versions):
        if v and v % 4 == 0:
            deltalake.DeltaTable(uri).delete(f"id % 7 = {v % 7}")
        else:
            data = batch(v * 10, 10).append_column(
                "part", pa.array([f"p{i % 3}" for i in range(10)])
            )
            mode = "overwrite" if v == 7 else "append"
            deltalake.write_deltalake(uri, data, mode=mode, partition_by=["part"])
        if v in checkpoints:
            deltalake.DeltaTable(uri).create_checkpoint()
