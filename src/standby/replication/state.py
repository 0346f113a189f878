"""Replica state: `DST/_standby/replica.json`, what a replica knows about itself.

Written after each published batch (overwrite). Its position is a hint that makes a pass
cheap, never the truth: a pass always checks the replica's log beyond it, so a crash
between a commit and this file costs nothing but a comparison. Its identity (source URI
and table id) and a promotion are facts: a replica belongs to one source table, and a
promoted replica is never written by replication again.

Fields added later are optional, so files written by an older standby stay readable.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from standby.errors import BadInput, ObjectNotFound, Refused
from standby.storage import ObjectStore, redact

STATE_PATH = "_standby/replica.json"


@dataclass(frozen=True)
class Promotion:
    """The failover that made this replica a primary: replication into it is over."""

    version: int  # the replica's version when it was promoted
    epoch: int
    operation_id: str
    at_ms: int


@dataclass
class ReplicaState:
    source: str  # redacted URI: never credentials
    source_table_id: str
    complete_from: int  # every version from here to last_version reads completely
    last_version: int
    last_commit_timestamp: int | None  # ms, from the source log
    epoch: int = 0
    history: str = "checkpoint"
    last_commit_sha256: str | None = None  # of last_version's bytes: identity without a read
    # What the last poll saw on the source: its version, that commit's timestamp (from the
    # log) and the wall clock of the poll, all ms. A forced failover reports the versions
    # seen but not replicated as lost, and anything written after source_seen_at_ms.
    source_seen_version: int | None = None
    source_seen_commit_ms: int | None = None
    source_seen_at_ms: int | None = None
    promoted: Promotion | None = None
    swept_at_ms: int | None = None  # when a pass last swept leftover temporaries (sweep.py)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> ReplicaState:
        """Parse a state file; unknown keys (a newer standby's) are ignored."""
        doc: dict[str, Any] = json.loads(raw)
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in doc.items() if k in known}
        promoted = values.get("promoted")
        if promoted is not None:
            values["promoted"] = Promotion(**promoted)
        return cls(**values)


def read_state(store: ObjectStore) -> ReplicaState | None:
    """The replica's state, or None for a target standby has never written."""
    try:
        raw = store.get(STATE_PATH)
    except ObjectNotFound:
        return None
    try:
        return ReplicaState.from_json(raw)
    except (ValueError, TypeError, AttributeError) as e:
        raise BadInput(
            f"{redact(store.url)}/{STATE_PATH} is not a replica state file: {e}.",
            hint="Move it aside; the next replicate rebuilds it from the replica's log.",
        ) from e


def write_state(store: ObjectStore, state: ReplicaState) -> None:
    """Overwrite the state, never dropping a promotion recorded meanwhile (a follower holds
    its state in memory while a failover marks the replica promoted)."""
    if state.promoted is None:
        stored = read_state(store)
        if stored is not None and stored.promoted is not None:
            state.promoted = stored.promoted
    store.put(STATE_PATH, state.to_json(), mode="overwrite")


def restart_state(store: ObjectStore, state: ReplicaState) -> None:
    """A site that was primary becomes a replica again (reprotect, failback): its state is
    written afresh, an earlier promotion cleared on purpose (write_state would keep it)."""
    store.put(STATE_PATH, replace(state, promoted=None).to_json(), mode="overwrite")


def mark_promoted(
    store: ObjectStore, *, version: int, epoch: int, operation_id: str
) -> ReplicaState:
    """Record that operation `operation_id` promoted this replica at `epoch`; from then on
    `replicate` into it is refused. Idempotent: marking again for the same operation
    changes nothing; a promotion by another operation is Refused (it stays as recorded)."""
    state = read_state(store)
    if state is None:
        raise BadInput(
            f"{redact(store.url)} has no {STATE_PATH}: it is not a replica standby wrote.",
            hint="Replicate into it once (which adopts its log), then promote it.",
        )
    if state.promoted is not None:
        if state.promoted.operation_id == operation_id:
            return state
        raise Refused(
            f"{redact(store.url)} was already promoted by operation "
            f"{state.promoted.operation_id} at epoch {state.promoted.epoch}.",
        )
    state.promoted = Promotion(version, epoch, operation_id, int(time.time() * 1000))
    write_state(store, state)
    return state
