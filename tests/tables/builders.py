"""Small Delta tables with a real history, written by deltalake, for table tests."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import deltalake
import pyarrow as pa  # type: ignore[import-untyped]


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
            if v == 7:
                deltalake.write_deltalake(uri, data, mode="overwrite", partition_by=["part"])
            else:
                deltalake.write_deltalake(uri, data, mode="append", partition_by=["part"])
        if v in checkpoints:
            deltalake.DeltaTable(uri).create_checkpoint()


# Hand-written commits, for the table features deltalake cannot write (row tracking, identity
# columns, collations, Iceberg compatibility, clustering): deltalake writes the data, these
# write the protocol, metadata and domain actions an engine such as Databricks would.


def _log(uri: str) -> Path:
    return Path(uri) / "_delta_log"


def commits(uri: str) -> list[list[dict[str, Any]]]:
    """Every commit's actions, version by version (the table has all of its commits)."""
    files = sorted(p for p in _log(uri).glob("*.json") if p.name[:20].isdigit())
    return [[json.loads(x) for x in p.read_text().splitlines() if x.strip()] for p in files]


def latest(uri: str, kind: str) -> dict[str, Any]:
    """The newest action of a kind (metaData, protocol) in the table's commits."""
    found = [a[kind] for actions in commits(uri) for a in actions if kind in a]
    return dict(found[-1])


def write_commit(uri: str, actions: list[dict[str, Any]]) -> int:
    """Append `actions` as the table's next version, after a commitInfo; returns it."""
    version = len(commits(uri))
    info = {"commitInfo": {"timestamp": int(time.time() * 1000), "operation": "HAND WRITTEN"}}
    text = "".join(json.dumps(a) + "\n" for a in [info, *actions])
    (_log(uri) / f"{version:020d}.json").write_text(text)
    return version


def upgrade(
    uri: str,
    *,
    reader: list[str],
    writer: list[str],
    configuration: dict[str, str] | None = None,
    fields: dict[str, dict[str, Any]] | None = None,
    domains: list[dict[str, Any]] | None = None,
) -> int:
    """One commit moving the table to protocol (3, 7) with these features, with
    `configuration` merged into its properties and `fields` (column -> metadata) into its
    schema; returns its version. Column mapping alone is reader version 2 (no reader
    features), which deltalake reads."""
    protocol: dict[str, Any] = {"minReaderVersion": 2, "minWriterVersion": 7}
    if reader != ["columnMapping"]:
        protocol = {**protocol, "minReaderVersion": 3, "readerFeatures": reader}
    protocol["writerFeatures"] = writer
    actions: list[dict[str, Any]] = [{"protocol": protocol}]
    if configuration or fields:
        actions.append({"metaData": with_metadata(uri, configuration or {}, fields or {})})
    actions += [{"domainMetadata": d} for d in domains or []]
    return write_commit(uri, actions)


def with_metadata(
    uri: str, configuration: dict[str, str], fields: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The table's metadata with properties and field metadata merged in."""
    meta = latest(uri, "metaData")
    schema = json.loads(meta["schemaString"])
    for f in schema["fields"]:
        f["metadata"] = {**f.get("metadata", {}), **fields.get(f["name"], {})}
    config = {**meta.get("configuration", {}), **configuration}
    return {**meta, "schemaString": json.dumps(schema), "configuration": config}


def copied_add(uri: str, add: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An add action for a new copy of `add`'s data file (the same rows), with `fields` set."""
    name = f"copy-{uuid.uuid4()}.parquet"
    shutil.copyfile(Path(uri) / add["path"], Path(uri) / name)
    return {**add, "path": name, "dataChange": True, **fields}


def domain(name: str, **config: Any) -> dict[str, Any]:
    return {"domain": name, "configuration": json.dumps(config), "removed": False}


def column_mapped(uri: str) -> int:
    """history_table's versions 0 to 4 (columns id, value), then column mapping in name mode
    with each column's physical name its own (as Databricks enables it); returns that
    version."""
    history_table(uri)
    fields = {
        name: {"delta.columnMapping.id": i, "delta.columnMapping.physicalName": name}
        for i, name in enumerate(("id", "value"), start=1)
    }
    config = {"delta.columnMapping.mode": "name", "delta.columnMapping.maxColumnId": "2"}
    writer = ["appendOnly", "invariants", "columnMapping"]
    return upgrade(
        uri, reader=["columnMapping"], writer=writer, configuration=config, fields=fields
    )
