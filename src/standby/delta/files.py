"""The files a set of add or cdc actions references, as Python objects: what a commit's few
actions, or a small table's, need without loading Arrow (`fileset` holds the columnar form
for large logs).

A DV file holds many vectors, so the size the log implies for it is a lower bound (the end of
its last vector); other sizes are exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from standby.delta import dv as dvs

FileKey = tuple[str, str | None]


@dataclass
class FileAction:
    """A file the snapshot references, with where its bytes live."""

    path: str  # as in the log
    size: int | None
    kind: str  # data | dv | cdc
    relative: bool


def is_absolute(path: str) -> bool:
    return "://" in path or path.startswith("/")


def object_path(path: str) -> str:
    """The storage key of a relative path as the log writes it (URL-encoded)."""
    return unquote(path)


def file_key(action: dict[str, Any]) -> FileKey:
    """An add or remove's key in action reconciliation: (path, deletion-vector id)."""
    return action["path"], dvs.unique_id(action.get("deletionVector"))


def files_of(adds: Iterable[dict[str, Any]], *, kind: str = "data") -> list[FileAction]:
    """The data (or cdc) files and DV files that a set of add/cdc actions reference."""
    seen: dict[str, FileAction] = {}
    for a in adds:
        path = a["path"]
        seen.setdefault(path, FileAction(path, a.get("size"), kind, not is_absolute(path)))
        dv = a.get("deletionVector")
        if dv:
            rel = dvs.relative_path(dv)
            absolute = dvs.absolute_path(dv)
            where = rel or absolute
            if where:
                end = int(dv.get("offset") or 0) + int(dv["sizeInBytes"]) + 4
                prev = seen.get(where)
                size = max(end, prev.size or 0) if prev else end
                seen[where] = FileAction(where, size, "dv", rel is not None)
    return list(seen.values())
