"""The lease: `<home root>/_standby/lease.json`, one operation at a time (invariant 15).

Taken by compare-and-swap: put-if-absent when there is none, a conditional overwrite of a
released or provably dead holder's lease otherwise. The object is never deleted, so every
change of hands is a CAS against the version that was read: two takers never both win.
A holder on this host whose process is gone is dead for certain and is taken over; one on
another host is waited out until it expires, and then taken over only with `force`.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import asdict, dataclass

from standby.errors import ObjectChanged, ObjectExists, ObjectNotFound, Refused
from standby.operations.clock import Clock
from standby.storage.base import ObjectStore

log = logging.getLogger(__name__)
LEASE_PATH = "_standby/lease.json"
DEFAULT_TTL_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class LeaseRecord:
    operation_id: str
    owner: str
    host: str
    pid: int
    acquired_ms: int
    expires_ms: int
    released: bool = False

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()


class LeaseHeld(Refused):
    """Another operation holds the lease (exit 5)."""

    def __init__(self, holder: LeaseRecord, *, now_ms: int):
        left = max(0, (holder.expires_ms - now_ms) // 1000)
        super().__init__(
            f"Another operation holds the lease: {holder.operation_id} by {holder.owner} on "
            f"{holder.host} (pid {holder.pid}), expiring in {left} s.",
            hint="Wait for it to finish, or resume it with `standby failover --resume "
            f"{holder.operation_id}`; a stale lease of another host is taken over only "
            "with --force.",
        )
        self.holder = holder


class Lease:
    """The lease of one operation on one store; `acquire`, `renew` and `release` are CAS."""

    def __init__(
        self,
        store: ObjectStore,
        *,
        operation_id: str,
        clock: Clock,
        ttl_ms: int = DEFAULT_TTL_MS,
    ):
        self.store = store
        self.operation_id = operation_id
        self.clock = clock
        self.ttl_ms = ttl_ms
        self._etag: str | None = None

    def _record(self) -> LeaseRecord:
        now = self.clock.now_ms()
        owner = os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
        return LeaseRecord(
            self.operation_id, owner, socket.gethostname(), os.getpid(), now, now + self.ttl_ms
        )

    def acquire(self, *, force: bool = False) -> None:
        """Take the lease or raise LeaseHeld naming the holder."""
        try:
            self.store.put(LEASE_PATH, self._record().to_json(), mode="create")
            self._etag = self.store.get_versioned(LEASE_PATH).etag
            return
        except ObjectExists:
            pass
        current = self.store.get_versioned(LEASE_PATH)
        holder = LeaseRecord(**json.loads(current.data))
        if not self._may_take(holder, force=force):
            raise LeaseHeld(holder, now_ms=self.clock.now_ms())
        if not holder.released:
            log.warning("taking over the lease of %s (%s)", holder.operation_id, holder.host)
        self._swap(current.etag, self._record())

    def _may_take(self, holder: LeaseRecord, *, force: bool) -> bool:
        if holder.released or _dead(holder):
            return True
        return force and holder.expires_ms < self.clock.now_ms()

    def _swap(self, etag: str, record: LeaseRecord) -> None:
        try:
            self.store.put(LEASE_PATH, record.to_json(), mode="overwrite", if_match=etag)
        except ObjectChanged:
            current = self.store.get_versioned(LEASE_PATH)
            raise LeaseHeld(
                LeaseRecord(**json.loads(current.data)), now_ms=self.clock.now_ms()
            ) from None
        self._etag = self.store.get_versioned(LEASE_PATH).etag

    def renew(self) -> None:
        """Push the expiry out; LeaseHeld when someone took the lease meanwhile."""
        if self._etag is None:
            raise Refused("The lease is not held.")
        self._swap(self._etag, self._record())

    def release(self) -> None:
        """Mark the lease free (a CAS: a lease taken over meanwhile is left alone)."""
        if self._etag is None:
            return
        record = LeaseRecord(**{**asdict(self._record()), "released": True})
        try:
            self.store.put(LEASE_PATH, record.to_json(), mode="overwrite", if_match=self._etag)
        except (ObjectChanged, ObjectNotFound):
            log.warning("the lease of %s was taken over before release", self.operation_id)
        self._etag = None


def _dead(holder: LeaseRecord) -> bool:
    """Whether the holder's process is gone; only answerable on its own host."""
    if holder.host != socket.gethostname():
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(holder.pid)


def _zombie(pid: int) -> bool:
    """A killed child not yet reaped still answers kill(0); its state says it is dead."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in {"Z", "X"}
    except (OSError, IndexError):
        return False


def read_lease(store: ObjectStore) -> LeaseRecord | None:
    try:
        return LeaseRecord(**json.loads(store.get(LEASE_PATH)))
    except ObjectNotFound:
        return None
