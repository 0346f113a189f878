"""Reading checkpoints: classic single-file, multi-part, and V2 (JSON or parquet) with sidecars.

Rows become the same action dicts a JSON commit holds, so replay treats both alike.
"""

from __future__ import annotations

import io
from typing import Any

from standby.delta.actions import Action, parse_actions
from standby.delta.log import SIDECAR_DIR, LogFile, LogKind
from standby.errors import BadInput
from standby.storage.base import ObjectStore

# Only these actions matter for a snapshot; remove tombstones and the rest are skipped.
SNAPSHOT_ACTIONS = ("add", "metaData", "protocol", "txn", "domainMetadata", "sidecar")


def read_checkpoint(store: ObjectStore, files: list[LogFile]) -> tuple[list[Action], list[str]]:
    """The actions of one checkpoint and the sidecar paths it references (table-relative)."""
    actions: list[Action] = []
    for f in files:
        actions.extend(_read_file(store, f.path))
    sidecars = [f"{SIDECAR_DIR}/{a['sidecar']['path']}" for a in actions if "sidecar" in a]
    for path in sidecars:
        actions.extend(_read_file(store, path))
    return [a for a in actions if "sidecar" not in a], sidecars


def sidecar_paths(store: ObjectStore, files: list[LogFile]) -> list[str]:
    """The sidecars a V2 checkpoint references (none for multi-part ones). A V2 checkpoint may
    carry the classic name `<version>.checkpoint.parquet`, so every single file is read."""
    if all(f.kind is LogKind.CHECKPOINT_PART for f in files):
        return []
    paths: list[str] = []
    for f in files:
        for a in _read_file(store, f.path, kinds=("sidecar",)):
            paths.append(f"{SIDECAR_DIR}/{a['sidecar']['path']}")
    return paths


def _read_file(
    store: ObjectStore, path: str, kinds: tuple[str, ...] = SNAPSHOT_ACTIONS
) -> list[Action]:
    data = store.get(path)
    if path.endswith(".json"):
        return [a for a in parse_actions(data, where=path) if any(k in a for k in kinds)]
    # Here, not at the top: pyarrow costs a process 0.15 s of imports, and a table without
    # a parquet checkpoint (a first copy, most clones) never needs it.
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        table = pq.read_table(io.BytesIO(data), columns=None)
    except (pa.ArrowInvalid, OSError) as e:
        raise BadInput(f"Checkpoint {path} is not a readable parquet file: {e}") from e
    actions: list[Action] = []
    for kind in kinds:
        if kind not in table.column_names:
            continue
        column = table.column(kind)
        for value in column.to_pylist(maps_as_pydicts="strict"):
            if value is not None:
                actions.append({kind: _clean(value)})
    return actions


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
