"""The lease and the control objects change hands only by compare-and-swap, on every
backend: racing takers never both win, a dead holder on this host is taken over, a live
or another host's holder is not (a stale one only with force), epochs never go down."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from standby.control import Control, initialize, read_control, transition
from standby.errors import Refused
from standby.operations.lease import LEASE_PATH, Lease, LeaseHeld, LeaseRecord, read_lease
from tests.servers import Root


class FakeClock:
    def __init__(self, now_ms: int = 1_000_000):
        self.ms = now_ms

    def now_ms(self) -> int:
        return self.ms

    def monotonic(self) -> float:
        return self.ms / 1000

    def sleep(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


def test_racing_takers_never_both_win(remote_root: Root) -> None:
    store = remote_root.store()
    for round_ in range(5):
        winners: list[Lease] = []
        barrier = threading.Barrier(4)

        def take(
            name: str, barrier: threading.Barrier = barrier, winners: list[Lease] = winners
        ) -> None:
            lease = Lease(store, operation_id=name, clock=FakeClock())
            barrier.wait()
            try:
                lease.acquire()
                winners.append(lease)
            except LeaseHeld:
                pass

        threads = [threading.Thread(target=take, args=(f"op-{round_}-{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(winners) == 1, [w.operation_id for w in winners]
        holder = read_lease(store)
        assert holder is not None and holder.operation_id == winners[0].operation_id
        winners[0].release()  # the next round races for a released lease


def test_a_live_holder_keeps_the_lease_and_a_released_one_is_free(remote_root: Root) -> None:
    store = remote_root.store()
    clock = FakeClock()
    first = Lease(store, operation_id="first", clock=clock)
    first.acquire()
    with pytest.raises(LeaseHeld, match="first"):
        Lease(store, operation_id="second", clock=clock).acquire()
    clock.sleep(3600)  # expired, but its process (this one) is alive: force is needed...
    with pytest.raises(LeaseHeld):
        Lease(store, operation_id="second", clock=clock).acquire()
    first.release()
    Lease(store, operation_id="second", clock=clock).acquire()
    holder = read_lease(store)
    assert holder is not None and holder.operation_id == "second"


def test_a_dead_holder_on_this_host_is_taken_over(remote_root: Root) -> None:
    store = remote_root.store()
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(child.stdout)
    record = LeaseRecord("killed-op", "someone", os.uname().nodename, dead_pid, 0, 10**15)
    store.put(LEASE_PATH, record.to_json(), mode="create")
    Lease(store, operation_id="rerun", clock=FakeClock()).acquire()
    holder = read_lease(store)
    assert holder is not None and holder.operation_id == "rerun"


def test_another_hosts_stale_lease_needs_force(remote_root: Root) -> None:
    store = remote_root.store()
    clock = FakeClock()
    record = LeaseRecord("far-op", "someone", "another-host", 1, 0, clock.now_ms() - 1)
    store.put(LEASE_PATH, record.to_json(), mode="create")
    with pytest.raises(LeaseHeld, match="another-host"):
        Lease(store, operation_id="mine", clock=clock).acquire()
    Lease(store, operation_id="mine", clock=clock).acquire(force=True)
    holder = read_lease(store)
    assert holder is not None and holder.operation_id == "mine"


def test_renew_fails_once_someone_else_took_the_lease(remote_root: Root) -> None:
    store = remote_root.store()
    clock = FakeClock()
    mine = Lease(store, operation_id="mine", clock=clock)
    mine.acquire()
    mine.release()
    Lease(store, operation_id="theirs", clock=clock).acquire()
    mine._etag = "stale"
    with pytest.raises(LeaseHeld, match="theirs"):
        mine.renew()


def test_control_transitions_are_cas_idempotent_and_never_lower_the_epoch(
    remote_root: Root,
) -> None:
    store = remote_root.store()
    initialize(store, site="primary", role="primary")
    moved = transition(store, expect=("primary", 1), to=("fenced", 2), operation_id="op-1")
    assert (moved.role, moved.epoch, moved.operation_id) == ("fenced", 2, "op-1")
    again = transition(store, expect=("primary", 1), to=("fenced", 2), operation_id="op-1")
    assert again == moved  # a rerun of the step changes nothing
    with pytest.raises(Refused, match="another operation moved it"):
        transition(store, expect=("primary", 1), to=("primary", 3), operation_id="op-2")
    with pytest.raises(Refused, match="never decreases"):
        transition(store, expect=("fenced", 2), to=("primary", 1), operation_id="op-3")
    assert read_control(store) == moved


def test_racing_transitions_from_one_state_have_one_winner(remote_root: Root) -> None:
    store = remote_root.store()
    initialize(store, site="dr", role="replica")
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def promote(name: str, role: str) -> None:
        barrier.wait()
        try:
            transition(store, expect=("replica", 1), to=(role, 2), operation_id=name)  # type: ignore[arg-type]
            outcomes.append(name)
        except Refused:
            pass

    threads = [
        threading.Thread(target=promote, args=(f"op-{i}", ("primary", "fenced", "replica")[i]))
        for i in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 1
    control = read_control(store)
    assert isinstance(control, Control) and control.operation_id == outcomes[0]
