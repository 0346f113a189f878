"""Replica state: `DST/_standby/replica.json`, what a replica knows about itself.

Written after each published batch (overwrite). It is a hint that makes a pass cheap, never
the truth: a pass always checks the replica's log beyond it, so a crash between a commit
and this file costs nothing but a comparison.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from standby.errors import BadInput, ObjectNotFound, Refused
from standby.storage import ObjectStore

STATE_PATH = "_standby/replica.json"


@dataclass
class ReplicaState:
    source: str  # redacted URI: never credentials
    source_table_id: str
    complete_from: int  # every version from here to last_version reads completely
    last_version: int
    last_commit_timestamp: int | None  # ms, from the source log
    epoch: int = 0
    history: str = "checkpoint"
    promoted: dict[str, Any] | None = None  # {version, epoch, operation_id, at_ms} once promoted
    # What the source's log held when last listed: what a forced failover now would lose.
    source_seen_version: int | None = None
    source_seen_commit_ms: int | None = None  # that version's commit time, from the log
    source_seen_at_ms: int | None = None  # when it was seen (this machine's clock)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()


def read_state(store: ObjectStore) -> ReplicaState | None:
    """The replica's state, or None for a target standby has never written."""
    try:
        raw = store.get(STATE_PATH)
    except ObjectNotFound:
        return None
    try:
        return ReplicaState(**json.loads(raw))
    except (ValueError, TypeError) as e:
        raise BadInput(
            f"{store.url}/{STATE_PATH} is not a replica state file: {e}.",
            hint="Move it aside; the next replicate rebuilds it from the replica's log.",
        ) from e


def write_state(store: ObjectStore, state: ReplicaState) -> None:
    store.put(STATE_PATH, state.to_json(), mode="overwrite")


def mark_promoted(store: ObjectStore, *, version: int, epoch: int, operation_id: str) -> None:
    """Record that the replica was promoted: from now on nothing replicates into it.
    Idempotent: a replica already marked by the same operation is left as it is."""
    state = read_state(store)
    if state is None:
        raise Refused(f"{store.url} is not a replica standby wrote: nothing to promote.")
    if state.promoted and state.promoted.get("operation_id") == operation_id:
        return
    promoted = {
        "version": version,
        "epoch": epoch,
        "operation_id": operation_id,
        "at_ms": int(time.time() * 1000),
    }
    write_state(store, replace(state, promoted=promoted))
