"""What every table operation shares: checking the files a version needs, writing a commit."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from standby import __version__
from standby.delta import DeltaLog
from standby.delta.actions import Action
from standby.delta.features import ict_enabled
from standby.delta.presence import is_missing
from standby.delta.snapshot import FileAction, Snapshot, object_path
from standby.delta.timestamps import timestamp_of
from standby.errors import FilesMissing
from standby.storage import ObjectStore, redact

if TYPE_CHECKING:
    from standby.delta.fileset import FileSet

ENGINE_INFO = f"standby/{__version__}"
# What a remove carries of the add it removes (row tracking asks for the row fields too).
REMOVE_FIELDS = (
    "path",
    "partitionValues",
    "size",
    "tags",
    "deletionVector",
    "baseRowId",
    "defaultRowCommitVersion",
)


def require_present(
    store: ObjectStore,
    files: list[FileAction] | FileSet,
    *,
    what: str,
    present: dict[str, int],
) -> None:
    """Raise FilesMissing if a relative file is absent or shorter than the log says."""
    if isinstance(files, list):
        missing = [
            f.path for f in files if f.relative and is_missing(f, present.get(object_path(f.path)))
        ]
    else:  # a large table's files, checked in columns
        missing = files.filter(files.missing_mask(present)).paths
    if missing:
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise FilesMissing(
            f"{what} needs {len(missing)} file(s) that are missing or truncated in "
            f"{redact(store.url)}: {shown}. They were probably vacuumed.",
            hint="Pick a later version, or restore the files from a backup.",
        )


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


def remove_of(add: dict[str, Any], now: int) -> dict[str, Any]:
    """The remove action of a live add, at `now` (ms)."""
    body = {k: add[k] for k in REMOVE_FIELDS if k in add}
    return {**body, "deletionTimestamp": now, "dataChange": True, "extendedFileMetadata": True}


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
