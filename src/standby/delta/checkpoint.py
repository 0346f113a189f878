"""Reading checkpoints: classic single-file, multi-part, and V2 (JSON or parquet) with sidecars.

Non-file actions become the dicts a JSON commit holds, so replay treats both alike; add
actions stay columns (see columnar.py), each tied to the file it came from.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from standby.delta.actions import Action, parse_actions
from standby.delta.columnar import (
    json_file_actions,
    parquet_actions,
    parquet_adds,
    parse_json_log,
)
from standby.delta.log import SIDECAR_DIR, LogFile, LogKind
from standby.errors import BadInput
from standby.storage.base import ObjectStore

# The non-file actions a snapshot needs; remove tombstones and the rest are skipped.
STATE_ACTIONS = ("metaData", "protocol", "txn", "domainMetadata", "sidecar")
TAIL_BYTES = 16 << 20  # footers are KiB to a few MiB


@dataclass(frozen=True)
class Source:
    """A log file that file actions were read from: a JSON log file or a parquet one."""

    path: str

    @property
    def is_json(self) -> bool:
        return self.path.endswith(".json")


@dataclass
class CheckpointContent:
    actions: list[Action]  # protocol, metaData, txn, domainMetadata
    adds: list[tuple[Source, pa.Table]]  # per file (parts, sidecars), FILE_SCHEMA rows
    sidecars: list[str]


def read_checkpoint(store: ObjectStore, files: list[LogFile]) -> tuple[list[Action], list[str]]:
    """The actions of one checkpoint (adds included, as dicts) and the sidecars it references."""
    content = checkpoint_content(store, files)
    adds = [
        a
        for source, table in content.adds
        for a in file_actions(store, source, table.column("ord").to_pylist())
    ]
    return [*content.actions, *adds], content.sidecars


def checkpoint_content(store: ObjectStore, files: list[LogFile]) -> CheckpointContent:
    """One checkpoint: its state actions, its adds per file (as columns), its sidecars."""
    content = CheckpointContent([], [], [])
    for f in files:
        _read_into(content, store, f.path)
    content.sidecars = [
        f"{SIDECAR_DIR}/{a['sidecar']['path']}" for a in content.actions if "sidecar" in a
    ]
    for path in content.sidecars:
        _read_into(content, store, path)
    content.actions = [a for a in content.actions if "sidecar" not in a]
    return content


def _read_into(content: CheckpointContent, store: ObjectStore, path: str) -> None:
    data = store.get(path)
    if path.endswith(".json"):
        others, files = parse_json_log(data, where=path)
        content.actions += [a for a in others if any(k in a for k in STATE_ACTIONS)]
        content.adds.append((Source(path), files.filter(pc.equal(files["action"], "add"))))
        return
    content.actions += _state_actions(data, where=path)
    content.adds.append((Source(path), parquet_adds(data, where=path)))


def _state_actions(
    data: bytes, *, where: str, kinds: tuple[str, ...] = STATE_ACTIONS
) -> list[Action]:
    table = parquet_actions(data, kinds, where=where)
    actions: list[Action] = []
    for kind in table.column_names:
        column = table.column(kind)
        for value in column.filter(pc.is_valid(column)).to_pylist(maps_as_pydicts="strict"):
            actions.append({kind: _clean(value)})
    return actions


def file_actions(store: ObjectStore, source: Source, ords: list[int]) -> list[Action]:
    """The whole file actions at `ords` of one source, as a JSON commit spells them."""
    data = store.get(source.path)
    if source.is_json:
        return json_file_actions(data, ords, where=source.path)
    try:
        column = pq.read_table(io.BytesIO(data), columns=["add"]).column("add")
    except (pa.ArrowInvalid, OSError) as e:
        raise BadInput(f"Checkpoint {source.path} is not a readable parquet file: {e}") from e
    rows = column.take(pa.array(ords, pa.int64())).to_pylist(maps_as_pydicts="strict")
    return [{"add": _clean(r)} for r in rows]


def sidecar_paths(store: ObjectStore, files: list[LogFile]) -> list[str]:
    """The sidecars a V2 checkpoint references (none for classic checkpoints).

    A V2 checkpoint may carry a classic name (`<v>.checkpoint.parquet`): a single-file
    checkpoint is V2 when its schema has a `sidecar` column, read from its footer.
    """
    paths: list[str] = []
    for f in files:
        if f.kind is LogKind.CHECKPOINT and "sidecar" not in _parquet_columns(store, f.path):
            continue
        if f.kind not in (LogKind.CHECKPOINT, LogKind.CHECKPOINT_V2):
            continue
        data = store.get(f.path)
        if f.path.endswith(".json"):
            found = [a for a in parse_actions(data, where=f.path) if "sidecar" in a]
        else:
            found = _state_actions(data, where=f.path, kinds=("sidecar",))
        paths += [f"{SIDECAR_DIR}/{a['sidecar']['path']}" for a in found]
    return paths


def _parquet_columns(store: ObjectStore, path: str) -> list[str]:
    """The top-level columns of a parquet object, from its footer; the body is streamed
    past, never held (a classic checkpoint can be large)."""
    tail = b""
    for chunk in store.stream(path):
        tail = (tail + chunk)[-(TAIL_BYTES):]
    size = int.from_bytes(tail[-8:-4], "little") + 8 if len(tail) >= 8 else len(tail) + 1
    if tail[-4:] != b"PAR1" or size > len(tail):
        tail, size = store.get(path), 0  # an unusually large footer: read the whole object
    try:
        if size:
            return list(pq.read_schema(io.BytesIO(b"PAR1" + tail[-size:])).names)
        return list(pq.read_schema(io.BytesIO(tail)).names)
    except (pa.ArrowInvalid, OSError) as e:
        raise BadInput(f"Checkpoint {path} is not a readable parquet file: {e}") from e


MAPS = frozenset({"partitionValues", "tags", "configuration", "options"})


def _clean(value: Any) -> Any:
    """Drop null struct fields and `*_parsed` columns, so the action reads like its JSON form.

    Map values stay as they are: a null partition value is data, not an absent field.
    """
    if isinstance(value, dict):
        return {
            k: v if k in MAPS else _clean(v)
            for k, v in value.items()
            if v is not None and not k.endswith("_parsed")
        }
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
