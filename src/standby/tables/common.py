"""What every table operation shares: opening a table, checking its files, writing a commit."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

from standby import __version__
from standby.delta import DeltaLog
from standby.delta.actions import Action
from standby.delta.features import ict_enabled
from standby.delta.log import LOG_DIR, LogListing
from standby.delta.snapshot import FileAction, Snapshot, object_path
from standby.delta.timestamps import timestamp_of
from standby.errors import FilesMissing, TableNotFound
from standby.storage import ObjectStore, open_store, redact

ENGINE_INFO = f"standby/{__version__}"


def open_log(uri: str) -> tuple[DeltaLog, LogListing]:
    """The log of the table at `uri` and its listing; TableNotFound names what is there."""
    store = open_store(uri)
    log = DeltaLog(store)
    listing = log.list()
    if listing.latest is None:
        anything = next(iter(store.list("")), None)
        what = "it holds no _delta_log/ commits" if anything else "nothing is there"
        raise TableNotFound(
            f"{redact(store.url)} is not a Delta table: {what}.",
            hint="Check the URI; a Delta table is a directory with a _delta_log/ inside.",
        )
    return log, listing


def inventory(store: ObjectStore) -> dict[str, int]:
    """Every object of a table directory outside the log, with its size: one listing."""
    return {o.path: o.size for o in store.list("") if not o.path.startswith(LOG_DIR + "/")}


def require_present(
    store: ObjectStore, files: Iterable[FileAction], *, what: str, present: dict[str, int]
) -> None:
    """Raise FilesMissing if a relative file is absent or shorter than the log says."""
    missing = [
        f.path for f in files if f.relative and is_missing(f, present.get(object_path(f.path)))
    ]
    if missing:
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise FilesMissing(
            f"{what} needs {len(missing)} file(s) that are missing or truncated in "
            f"{redact(store.url)}: {shown}. They were probably vacuumed.",
            hint="Pick a later version, or restore the files from a backup.",
        )


def is_missing(f: FileAction, size: int | None) -> bool:
    """Whether a file stored at `size` bytes (None: absent) fails what the log says of it.

    A DV file holds many vectors, so its logged size is a lower bound; other sizes are exact.
    """
    if size is None:
        return True
    if f.size is None:
        return False
    return size < f.size if f.kind == "dv" else size != f.size


def commit_info(
    operation: str,
    parameters: dict[str, Any],
    metrics: dict[str, Any],
    *,
    read_version: int | None,
    snapshot: Snapshot | None,
    previous_ts: int | None,
) -> Action:
    """A commitInfo action; with in-commit timestamps on, it carries a strictly later one."""
    now = int(time.time() * 1000)
    info: dict[str, Any] = {
        "timestamp": now,
        "operation": operation,
        "operationParameters": {k: _param(v) for k, v in parameters.items()},
        "operationMetrics": {k: str(v) for k, v in metrics.items()},
        "engineInfo": ENGINE_INFO,
        "txnId": str(uuid.uuid4()),
        "isBlindAppend": False,
    }
    if read_version is not None:
        info["readVersion"] = read_version
    if snapshot is not None and ict_enabled(snapshot.metadata):
        info = {"inCommitTimestamp": max(now, (previous_ts or 0) + 1), **info}
    return {"commitInfo": info}


def latest_timestamp(log: DeltaLog, version: int) -> int | None:
    return timestamp_of(log.read_commit(version).info)


def _param(value: Any) -> Any:
    return (
        value
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )
