"""Replica state: `DST/_standby/replica.json`, what a replica knows about itself.

Written after each published batch (overwrite). It is a hint that makes a pass cheap, never
the truth: a pass always checks the replica's log beyond it, so a crash between a commit
and this file costs nothing but a comparison.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from standby.errors import BadInput, ObjectNotFound
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
