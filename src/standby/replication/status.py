"""How far behind is a replica, in versions and in seconds of the source's own clock.

lag_seconds is the age of the oldest source commit the replica does not hold yet (0 when
it holds them all): the data a failover right now would lose, which is what an RPO bounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from standby.delta import DeltaLog
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import TableNotFound
from standby.replication.state import read_state
from standby.storage import open_store, redact


@dataclass
class TableStatus:
    source: str
    target: str
    source_version: int
    replica_version: int | None
    lag_versions: int
    lag_seconds: float
    rpo_target_seconds: float | None
    ok: bool
    last_replicated_commit_timestamp: int | None = None


def table_status(
    source: str,
    target: str,
    *,
    rpo_seconds: float | None = None,
    source_options: Mapping[str, str] | None = None,
    target_options: Mapping[str, str] | None = None,
    now: Callable[[], float] = time.time,
) -> TableStatus:
    """Status of one replica; a listing of each log from the replica's recorded version."""
    src_log = DeltaLog(open_store(source, options=source_options))
    dst_log = DeltaLog(open_store(target, options=target_options))
    state = read_state(dst_log.store)
    hint = state.last_version if state else 0
    src = src_log.list(from_version=hint)
    if not src.commits and state is None:
        raise TableNotFound(
            f"{redact(src_log.url)} is not a Delta table: no commits in _delta_log/."
        )
    dst = dst_log.list(from_version=hint)
    replica_version = max(dst.commits) if dst.commits else (state.last_version if state else None)
    source_version = max(src.commits) if src.commits else hint
    behind = [v for v in sorted(src.commits) if replica_version is None or v > replica_version]
    lag = 0.0
    if behind:
        first = timestamp_of(commit_info_of(src_log.read_raw(behind[0]) or b""))
        lag = max(0.0, now() - first / 1000) if first is not None else float("inf")
    ok = rpo_seconds is None or lag <= rpo_seconds
    return TableStatus(
        source=redact(src_log.url),
        target=redact(dst_log.url),
        source_version=source_version,
        replica_version=replica_version,
        lag_versions=len(behind),
        lag_seconds=round(lag, 3),
        rpo_target_seconds=rpo_seconds,
        ok=ok and replica_version is not None,
        last_replicated_commit_timestamp=state.last_commit_timestamp if state else None,
    )
