"""Judging a result by its replayed snapshot, for tables no reader here can read: the same
protocol and metadata, and the same live files with the same bytes.

A file is compared by what it holds, not where it lives: a deep clone moves absolute files
into the table, a shallow clone points back at the source, a replica keeps every path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from standby.delta import DeltaLog, Snapshot, load_snapshot
from standby.delta import dv as dvs
from standby.delta.snapshot import is_absolute, object_path
from standby.errors import ObjectNotFound
from standby.storage import ObjectStore, open_store

# A new table (clone, restore of a backup) has its own identity; everything else is kept.
NEW_TABLE_FIELDS = ("id", "createdTime")
ICT_PROPERTIES = (
    "delta.inCommitTimestampEnablementVersion",
    "delta.inCommitTimestampEnablementTimestamp",
)


def snapshot(
    uri: str, version: int | None = None, options: Mapping[str, str] | None = None
) -> Snapshot:
    return load_snapshot(DeltaLog(open_store(uri, options=options)), version)


def assert_same_snapshot(
    source: str,
    result: str,
    *,
    version: int | None = None,
    new_table: bool,
    restored: bool = False,
    options: Mapping[str, str] | None = None,
) -> None:
    """`result` (at its latest version) holds what `source` held at `version`.

    A restored table keeps its identity and protocol: only its schema and files go back.
    """
    src = snapshot(source, version, options)
    dst = snapshot(result, None, options)
    if restored:
        assert _schema(dst.metadata) == _schema(src.metadata)
    elif new_table:
        assert dst.protocol == src.protocol
        assert _kept(dst.metadata) == _kept(src.metadata)
        assert dst.metadata["id"] != src.metadata["id"]
    else:
        assert dst.protocol == src.protocol and dst.metadata == src.metadata
        assert dst.files == src.files
        assert dst.txns == src.txns and dst.domains == src.domains
    # A restore keeps the current action of a file both versions hold (its stats may say
    # less than the old one's): the file and its deletion vector are what must match.
    drop = ("stats", "tags", "modificationTime") if restored else ()
    assert sorted(_contents(dst, result, options, drop)) == sorted(
        _contents(src, source, options, drop)
    )


def _schema(metadata: dict[str, Any]) -> Any:
    """The schema a restore brings back: all of it but identity high-water marks, which a
    restore never lowers (rows written since keep their identities unique)."""
    schema = json.loads(metadata.get("schemaString") or "{}")
    for f in schema.get("fields", []):
        (f.get("metadata") or {}).pop("delta.identity.highWaterMark", None)
    return schema


def _kept(metadata: dict[str, Any]) -> dict[str, Any]:
    config = {
        k: v for k, v in (metadata.get("configuration") or {}).items() if k not in ICT_PROPERTIES
    }
    kept = {k: v for k, v in metadata.items() if k not in NEW_TABLE_FIELDS}
    return {**kept, "configuration": config}


def _contents(
    snap: Snapshot, uri: str, options: Mapping[str, str] | None, drop: tuple[str, ...]
) -> list[str]:
    """Each live file as what a reader gets from it: its action (less where it lives) with
    the digest of its bytes and of its deletion vector's."""
    store = open_store(uri, options=options)
    out = []
    for add in snap.files.values():
        # A commit may spell an absent field as null, a checkpoint as nothing (or {}).
        record = {
            k: v
            for k, v in add.items()
            if k not in ("path", "dataChange", *drop) and v not in (None, {})
        }
        if isinstance(record.get("stats"), str):  # writers space their JSON differently
            record["stats"] = json.loads(record["stats"])
        record["data"] = _digest(_read(store, add["path"], options))
        dv = add.get("deletionVector")
        if dv:
            record["deletionVector"] = {
                "cardinality": dv.get("cardinality"),
                "bytes": _dv_digest(store, dv, options),
            }
        out.append(json.dumps(record, sort_keys=True))
    return out


def _dv_digest(store: ObjectStore, dv: dict[str, Any], options: Mapping[str, str] | None) -> str:
    if dv["storageType"] == "i":
        return str(dv["pathOrInlineDv"])
    where = dvs.relative_path(dv) or dvs.absolute_path(dv)
    assert where is not None
    data = _read(store, where, options)
    start = int(dv.get("offset") or 0)
    return _digest(data[start : start + 4 + int(dv["sizeInBytes"]) + 4])


def _read(store: ObjectStore, path: str, options: Mapping[str, str] | None) -> bytes:
    """A file's bytes; a file the table lost (vacuumed) reads as empty on both sides."""
    if is_absolute(path):
        parent, _, path = path.rpartition("/")
        store = open_store(parent, options=options)
    try:
        return store.get(object_path(path))
    except ObjectNotFound:
        return b""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
