"""The operation journal: `<home root>/_standby/operations/<id>.json`, one JSON document per
failover, reprotect, failback or drill, rewritten before and after every step.

It is what a rerun resumes from and what every report is rendered from: the timings in a
report are the journal's, measured by the runner's clock, never computed anywhere else.
Secret values never enter it: steps record names, versions, ids and states.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from standby.errors import BadInput, ObjectNotFound
from standby.storage.base import ObjectStore

OPERATIONS_DIR = "_standby/operations"
StepStatus = Literal["pending", "running", "done", "failed"]
OperationStatus = Literal["running", "done", "failed"]


@dataclass
class StepRecord:
    """One step: when it ran, how it ended, and what it changed (JSON, no secrets)."""

    name: str
    status: StepStatus = "pending"
    started_ms: int | None = None
    ended_ms: int | None = None
    seconds: float | None = None
    outcome: str = ""
    changed: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    cleanup: bool = False  # a drill's cleanup: run even after a failure


@dataclass
class Journal:
    """An operation as recorded: its arguments, its steps in order, its outcome."""

    operation_id: str
    kind: str  # failover | reprotect | failback | drill
    args: dict[str, Any]
    steps: list[StepRecord]
    created_ms: int
    host: str
    pid: int
    status: OperationStatus = "running"
    ended_ms: int | None = None
    error: str | None = None
    report: dict[str, Any] | None = None

    @property
    def path(self) -> str:
        return journal_path(self.operation_id)

    def step(self, name: str) -> StepRecord:
        for record in self.steps:
            if record.name == name:
                return record
        raise KeyError(name)

    def changed(self, name: str) -> dict[str, Any]:
        """What step `name` recorded as changed ({} until it has run)."""
        return self.step(name).changed

    def first_unfinished(self) -> StepRecord | None:
        return next((s for s in self.steps if s.status != "done"), None)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes, *, where: str) -> Journal:
        try:
            data = json.loads(raw)
            data["steps"] = [StepRecord(**s) for s in data["steps"]]
            return cls(**data)
        except (ValueError, TypeError, KeyError) as e:
            raise BadInput(f"{where} is not an operation journal: {e}.", path=where) from e


def new_operation_id(kind: str, *, now_ms: int | None = None) -> str:
    """`<kind>-<UTC time>-<random>`: sorts by creation time, unique across hosts."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(ms / 1000))
    return f"{kind}-{stamp}-{secrets.token_hex(3)}"


def new_journal(
    kind: str, args: dict[str, Any], steps: list[tuple[str, bool]], *, now_ms: int
) -> Journal:
    """A journal with every step pending; `steps` are (name, is_cleanup)."""
    return Journal(
        operation_id=new_operation_id(kind, now_ms=now_ms),
        kind=kind,
        args=args,
        steps=[StepRecord(name, cleanup=cleanup) for name, cleanup in steps],
        created_ms=now_ms,
        host=socket.gethostname(),
        pid=os.getpid(),
    )


def journal_path(operation_id: str) -> str:
    return f"{OPERATIONS_DIR}/{operation_id}.json"


def save(store: ObjectStore, journal: Journal) -> None:
    store.put(journal.path, journal.to_json(), mode="overwrite")


def load(store: ObjectStore, operation_id: str) -> Journal:
    """The journal of one operation; BadInput when there is none by that id."""
    path = journal_path(operation_id)
    try:
        raw = store.get(path)
    except ObjectNotFound:
        raise BadInput(
            f"No operation {operation_id!r} in {store.url}/{OPERATIONS_DIR}.",
            hint="`standby operations list` shows the operations there are.",
        ) from None
    return Journal.from_json(raw, where=path)


def list_journals(store: ObjectStore, *, kind: str | None = None) -> list[Journal]:
    """Every journal under the root, oldest first (ids sort by creation time)."""
    found = []
    for info in store.list(OPERATIONS_DIR):
        if info.path.endswith(".json"):
            journal = Journal.from_json(store.get(info.path), where=info.path)
            if kind is None or journal.kind == kind:
                found.append(journal)
    return sorted(found, key=lambda j: (j.created_ms, j.operation_id))


def unfinished(store: ObjectStore, *, kind: str) -> Journal | None:
    """The newest operation of `kind` that did not end with every step done."""
    pending = [j for j in list_journals(store, kind=kind) if j.status != "done"]
    return pending[-1] if pending else None
