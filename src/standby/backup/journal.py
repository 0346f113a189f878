"""A backup run's record in the operation journal: `<backup root>/_standby/operations/`.

Written before the first copy, it names every backup the run will make, so whatever a
killed run left behind can be found and removed by `prune`. Whether a run is still alive
is decided as restic decides for its locks: its record was refreshed recently, and, when
it ran on this host, its process still exists.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from standby.backup.catalog import BackupKind
from standby.errors import ObjectNotFound, StandbyError
from standby.storage import ObjectStore

log = logging.getLogger(__name__)

OPS_DIR = "_standby/operations"
PREFIX = "backup-run-"
HEARTBEAT_S = 300.0
STALE_AFTER_MS = 30 * 60 * 1000  # six missed heartbeats: the run is gone


class PlannedBackup(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    table: str
    kind: BackupKind
    path: str  # relative to the backup root
    outcome: Literal["pending", "done", "failed"] = "pending"
    error: str | None = None


class RunRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    kind: Literal["backup-run"] = "backup-run"
    policy: str
    host: str
    pid: int
    started: int
    updated: int
    status: Literal["running", "done", "failed"] = "running"
    backups: list[PlannedBackup] = []

    @property
    def object_path(self) -> str:
        return record_path(self.id, self.policy)


def record_path(run_id: str, policy: str) -> str:
    return f"{OPS_DIR}/{PREFIX}{run_id}-{policy}.json"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def is_live(
    record: RunRecord,
    *,
    now_ms: int,
    host: str | None = None,
    alive: Callable[[int], bool] = pid_alive,
) -> bool:
    """Whether the run may still be writing: running, refreshed lately, and (on this host)
    its process exists."""
    if record.status != "running" or now_ms - record.updated > STALE_AFTER_MS:
        return False
    return record.host != (host or socket.gethostname()) or alive(record.pid)


def read_runs(store: ObjectStore) -> list[RunRecord]:
    """Every backup-run record under the root (other operations' records are not ours)."""
    out = []
    for info in store.list(OPS_DIR + "/"):
        name = info.path.rsplit("/", 1)[-1]
        if not (name.startswith(PREFIX) and name.endswith(".json")):
            continue
        try:
            out.append(RunRecord.model_validate_json(store.get(info.path)))
        except (ObjectNotFound, ValidationError) as e:
            log.warning("skipping run record %s: %s", info.path, e)
    return sorted(out, key=lambda r: (r.started, r.id))


class RunJournal:
    """Keeps a run's record current: written at start, after each backup, refreshed by a
    heartbeat while copies run, and closed with the run's status."""

    def __init__(
        self,
        store: ObjectStore,
        record: RunRecord,
        *,
        clock: Callable[[], float] = time.time,
        heartbeat_s: float = HEARTBEAT_S,
    ):
        self.store = store
        self.record = record
        self.clock = clock
        self.heartbeat_s = heartbeat_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="standby-journal")

    def __enter__(self) -> RunJournal:
        self.store.put(self.record.object_path, self._encode(), mode="create")
        self._thread.start()
        return self

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        self._stop.set()
        self._thread.join()
        failed = error is not None or any(b.outcome == "failed" for b in self.record.backups)
        self.update(status="failed" if failed else "done")

    def finish(self, backup_id: str, *, error: str | None = None) -> None:
        for b in self.record.backups:
            if b.id == backup_id:
                b.outcome = "failed" if error else "done"
                b.error = error
        self.update()

    def update(self, **changes: object) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self.record, key, value)
            self.record.updated = int(self.clock() * 1000)
            self.store.put(self.record.object_path, self._encode())

    def _encode(self) -> bytes:
        return self.record.model_dump_json(indent=2).encode()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                self.update()
            except StandbyError as e:  # a missed beat only makes the run look older
                log.warning("could not refresh the run record: %s", e)
