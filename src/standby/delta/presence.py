"""Whether a table's files are there: one listing of the table directory, and the rule
for when a stored object fails what the log says of it."""

from __future__ import annotations

from standby.delta.files import FileAction
from standby.delta.log import LOG_DIR
from standby.storage.base import ObjectStore


def inventory(store: ObjectStore) -> dict[str, int]:
    """Every object of a table directory outside the log, with its size: one listing."""
    return {o.path: o.size for o in store.list("") if not o.path.startswith(LOG_DIR + "/")}


def is_missing(f: FileAction, size: int | None) -> bool:
    """Whether a file stored at `size` bytes (None: absent) fails what the log says of it.

    A DV file holds many vectors, so its logged size is a lower bound; other sizes are exact.
    """
    if size is None:
        return True
    if f.size is None:
        return False
    return size < f.size if f.kind == "dv" else size != f.size
