"""Deletion-vector descriptors: where a DV's bytes live (PROTOCOL.md, "Deletion Vectors").

storageType 'u': a file in the table, named from a z85-encoded UUID with an optional
random prefix; 'p': an absolute path; 'i': inline in the log, no file.
"""

from __future__ import annotations

import uuid
import zlib
from typing import Any

Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
_Z85_INDEX = {c: i for i, c in enumerate(Z85)}


def z85_decode(text: str) -> bytes:
    if len(text) % 5:
        raise ValueError(f"z85 text length {len(text)} is not a multiple of 5")
    out = bytearray()
    for i in range(0, len(text), 5):
        value = 0
        for c in text[i : i + 5]:
            value = value * 85 + _Z85_INDEX[c]
        out += value.to_bytes(4, "big")
    return bytes(out)


def z85_encode(data: bytes) -> str:
    if len(data) % 4:
        raise ValueError(f"z85 input length {len(data)} is not a multiple of 4")
    chars: list[str] = []
    for i in range(0, len(data), 4):
        value = int.from_bytes(data[i : i + 4], "big")
        block = []
        for _ in range(5):
            value, r = divmod(value, 85)
            block.append(Z85[r])
        chars.extend(reversed(block))
    return "".join(chars)


def unique_id(dv: dict[str, Any] | None) -> str | None:
    """The DV part of a file's key: storage type, path or inline data, and offset."""
    if not dv:
        return None
    offset = dv.get("offset")
    base = f"{dv['storageType']}{dv['pathOrInlineDv']}"
    return f"{base}@{offset}" if offset is not None else base


def relative_path(dv: dict[str, Any]) -> str | None:
    """The table-relative file of a 'u' DV; None for 'i' (inline) and 'p' (absolute)."""
    if dv.get("storageType") != "u":
        return None
    encoded = dv["pathOrInlineDv"]
    prefix, token = encoded[:-20], encoded[-20:]
    name = f"deletion_vector_{uuid.UUID(bytes=z85_decode(token))}.bin"
    return f"{prefix}/{name}" if prefix else name


def absolute_path(dv: dict[str, Any]) -> str | None:
    """The absolute URI of a 'p' DV."""
    return dv["pathOrInlineDv"] if dv.get("storageType") == "p" else None


def as_relative(dv: dict[str, Any], new_uuid: uuid.UUID) -> tuple[dict[str, Any], str]:
    """A copy of `dv` stored as a 'u' file named from `new_uuid`, and that file's path."""
    rewritten = dict(dv, storageType="u", pathOrInlineDv=z85_encode(new_uuid.bytes))
    return rewritten, f"deletion_vector_{new_uuid}.bin"


def as_absolute(dv: dict[str, Any], table_url: str) -> dict[str, Any]:
    """A copy of a 'u' DV pointing at its file by absolute URI (for shallow clones)."""
    path = relative_path(dv)
    if path is None:
        return dict(dv)
    return dict(dv, storageType="p", pathOrInlineDv=f"{table_url.rstrip('/')}/{path}")


def stored_problem(data: bytes, dv: dict[str, Any]) -> str | None:
    """What is wrong with a DV as stored in its file's bytes, or None when it reads back.

    At `offset`: the bitmap's size (4 bytes, big-endian), the bitmap, then its CRC-32.
    """
    start = int(dv.get("offset") or 0)
    size = int(dv["sizeInBytes"])
    end = start + 4 + size + 4
    if len(data) < end:
        return f"the file has {len(data)} bytes; this vector ends at byte {end}"
    if int.from_bytes(data[start : start + 4], "big") != size:
        return f"the size stored at offset {start} is not {size}"
    bitmap = data[start + 4 : start + 4 + size]
    if zlib.crc32(bitmap) != int.from_bytes(data[end - 4 : end], "big"):
        return f"the checksum of the vector at offset {start} does not match"
    return None
