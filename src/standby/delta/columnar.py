"""File actions (add, remove, cdc) as Arrow columns rather than a Python object each.

A log of 300,000 adds is 300,000 lines; only the few other actions (protocol, metaData,
txn, commitInfo, ...) become dicts. The columns keep what replay and the file checks need:
the path, the size and the deletion vector's descriptor. The whole action of a file is read
again from its source, by its ordinal (`ord`), only when a caller asks for it.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.json as pj  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from standby.delta.actions import FILE_ACTIONS, Action, parse_actions
from standby.errors import BadInput

_DV = pa.struct(
    [
        ("storageType", pa.string()),
        ("pathOrInlineDv", pa.string()),
        ("offset", pa.int64()),
        ("sizeInBytes", pa.int64()),
    ]
)
_FILE = pa.struct([("path", pa.string()), ("size", pa.int64()), ("deletionVector", _DV)])
_JSON_SCHEMA = pa.schema([(kind, _FILE) for kind in FILE_ACTIONS])
_PREFIXES = tuple(f'{{"{kind}":'.encode() for kind in FILE_ACTIONS)
MIN_BLOCK = 1 << 20
# The JSON reader's scratch memory goes back to the system when freed, not to a cache.
POOL = pa.system_memory_pool()

# One row per file action, in log order; `ord` is its position among its source's file actions.
FILE_SCHEMA = pa.schema(
    [
        ("action", pa.string()),
        ("path", pa.string()),
        ("size", pa.int64()),
        ("dv_type", pa.string()),
        ("dv_path", pa.string()),
        ("dv_offset", pa.int64()),
        ("dv_size", pa.int64()),
        ("ord", pa.int64()),
    ]
)


def empty_files() -> pa.Table:
    return FILE_SCHEMA.empty_table()


# Lines that are not a file action as writers spell them: the few parsed one by one.
# (The pattern starts with a literal newline, which the regex engine searches for quickly.)
_OTHER = re.compile(rb'\n(?!\{"(?:add|remove|cdc)":)([^\n]*\S[^\n]*)')


def parse_json_log(data: bytes, *, where: str) -> tuple[list[Action], pa.Table]:
    """A commit, compacted log file or V2 JSON checkpoint: its other actions, and its file
    actions as columns (FILE_SCHEMA); `ord` counts non-blank lines."""
    first = data[: data.find(b"\n") + 1 or len(data)]
    lines = [] if first.startswith(_PREFIXES) or not first.strip() else [(1, first)]
    lines += [(data.count(b"\n", 0, m.start()) + 2, m.group(1)) for m in _OTHER.finditer(data)]
    others: list[Action] = []
    for number, line in lines:
        (action,) = parse_actions(line, where=f"{where} (line {number})")
        if not any(k in action for k in FILE_ACTIONS):
            others.append(action)
    return others, _file_table(data, where=where)


def json_file_actions(data: bytes, ords: list[int], *, where: str) -> list[Action]:
    """The whole actions at the given ordinals (non-blank lines) of a JSON log file."""
    lines = [line for line in data.split(b"\n") if line.strip()]
    return [a for i in ords for a in parse_actions(lines[i], where=where)]


def _file_table(data: bytes, *, where: str) -> pa.Table:
    if not data.strip():
        return empty_files()
    try:
        try:
            parsed = _read_json(data, MIN_BLOCK)
        except pa.ArrowInvalid as e:
            if "straddling" not in str(e):
                raise
            parsed = _read_json(data, len(data) + 1)  # a line longer than a block
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # An unusual spelling (a size as a string, a torn line): Python says exactly what.
        actions = parse_actions(data, where=where)
        parsed = pa.Table.from_pylist([_typed(a) for a in actions], schema=_JSON_SCHEMA)
    return _flatten([parsed.column(k).combine_chunks() for k in FILE_ACTIONS])


def _read_json(data: bytes, block: int) -> pa.Table:
    return pj.read_json(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=pj.ReadOptions(block_size=block),
        parse_options=pj.ParseOptions(
            explicit_schema=_JSON_SCHEMA, unexpected_field_behavior="ignore"
        ),
        memory_pool=POOL,
    )


def _typed(action: Action) -> dict[str, Any]:
    """An action reduced to the JSON schema's fields, with numbers as numbers."""
    out: dict[str, Any] = {}
    for kind in FILE_ACTIONS:
        body = action.get(kind)
        if not isinstance(body, dict):
            continue
        dv = body.get("deletionVector")
        out[kind] = {
            "path": body.get("path"),
            "size": _int(body.get("size")),
            "deletionVector": None
            if not dv
            else {
                "storageType": dv.get("storageType"),
                "pathOrInlineDv": dv.get("pathOrInlineDv"),
                "offset": _int(dv.get("offset")),
                "sizeInBytes": _int(dv.get("sizeInBytes")),
            },
        }
    return out


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _flatten(structs: list[pa.Array]) -> pa.Table:
    """One row per file action from the add/remove/cdc struct columns (one set per row)."""
    n = len(structs[0])
    valid = [pc.is_valid(s).to_numpy(zero_copy_only=False) for s in structs]
    code = np.full(n, -1, dtype=np.int8)
    for i in reversed(range(len(structs))):
        code[valid[i]] = i
    used = [s for s, v in zip(structs, valid, strict=True) if v.any()] or structs[:1]

    def field(name: str, sub: str | None = None) -> pa.Array:
        values = [pc.struct_field(s, name) for s in used]
        if sub is not None:
            values = [pc.struct_field(v, sub) for v in values]
        return values[0] if len(values) == 1 else pc.coalesce(*values)

    rows = np.nonzero(code >= 0)[0]
    keep = pa.array(rows)
    table = pa.table(
        {
            "action": pa.array(FILE_ACTIONS, pa.string()).take(pa.array(code[rows])),
            "path": field("path").take(keep),
            "size": field("size").take(keep),
            "dv_type": field("deletionVector", "storageType").take(keep),
            "dv_path": field("deletionVector", "pathOrInlineDv").take(keep),
            "dv_offset": field("deletionVector", "offset").take(keep),
            "dv_size": field("deletionVector", "sizeInBytes").take(keep),
            "ord": pa.array(rows.astype(np.int64)),
        }
    )
    return table.cast(FILE_SCHEMA)


def parquet_adds(data: bytes, *, where: str) -> pa.Table:
    """The add actions of a parquet checkpoint (or sidecar) as columns; `ord` is the row."""
    try:
        pf = pq.ParquetFile(io.BytesIO(data))
        schema = pf.schema_arrow
        if "add" not in schema.names:
            return empty_files()
        subfields = {f.name for f in schema.field("add").type}
        wanted = [f"add.{n}" for n in ("path", "size", "deletionVector") if n in subfields]
        table = pf.read(columns=wanted)
    except (pa.ArrowInvalid, OSError) as e:
        raise BadInput(f"Checkpoint {where} is not a readable parquet file: {e}") from e
    add = table.column("add").combine_chunks()
    n = len(add)

    def sub(name: str, kind: pa.DataType) -> pa.Array:
        return pc.struct_field(add, name).cast(kind) if name in subfields else pa.nulls(n, kind)

    dv = (
        _dv_struct(pc.struct_field(add, "deletionVector"))
        if "deletionVector" in subfields
        else None
    )
    flat = pa.StructArray.from_arrays(
        [sub("path", pa.string()), sub("size", pa.int64()), pa.nulls(n, _DV) if dv is None else dv],
        fields=list(_FILE),
        mask=pc.invert(pc.is_valid(add)),
    )
    return _flatten([flat, pa.nulls(n, _FILE), pa.nulls(n, _FILE)])


def _dv_struct(dv: pa.Array) -> pa.Array:
    names = {f.name for f in dv.type}
    return pa.StructArray.from_arrays(
        [
            pc.struct_field(dv, f.name).cast(f.type)
            if f.name in names
            else pa.nulls(len(dv), f.type)
            for f in _DV
        ],
        fields=list(_DV),
        mask=pc.invert(pc.is_valid(dv)),
    )


def parquet_actions(data: bytes, kinds: tuple[str, ...], *, where: str) -> pa.Table:
    """Columns `kinds` (those present) of a parquet checkpoint, for the non-file actions."""
    try:
        pf = pq.ParquetFile(io.BytesIO(data))
        return pf.read(columns=[k for k in kinds if k in pf.schema_arrow.names])
    except (pa.ArrowInvalid, OSError) as e:
        raise BadInput(f"Checkpoint {where} is not a readable parquet file: {e}") from e
