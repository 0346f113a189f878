"""The wrappers of the store protocol: DryRunStore records and never writes, CountingStore
counts, and every write of a copy (local to local included) reaches them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from standby.engines import CopyTask, ThreadExecutor
from standby.errors import ObjectChanged, ObjectExists, ObjectNotFound, Unreachable
from standby.storage import (
    CountingStore,
    DryRunStore,
    ObjectStore,
    PlannedWrite,
    StoreWrapper,
    open_store,
)
from tests.faults import ErrorOnceStore
from tests.servers import Root


def snapshot(store: ObjectStore) -> dict[str, bytes]:
    return {o.path: store.get(o.path) for o in store.list("")}


def test_a_dry_run_records_every_write_and_makes_none(
    remote_root: Root, make_root: Callable[[str], Root]
) -> None:
    real, source = remote_root.store(), make_root("local").store()
    real.put("t/_delta_log/00000000000000000000.json", b"v0")
    real.put("t/old.parquet", b"old")
    real.put("u/x", b"xx")
    source.put("part-1.parquet", b"copied bytes")
    before = snapshot(real)
    dry = DryRunStore(real)

    dry.put("t/_delta_log/00000000000000000001.json", b"v1", mode="create")
    dry.copy_from(source, "part-1.parquet", "t/part-1.parquet")
    dry.delete("t/old.parquet")
    dry.delete_prefix("u")

    assert snapshot(real) == before
    assert dry.plan == [
        PlannedWrite("put", "t/_delta_log/00000000000000000001.json", 2),
        PlannedWrite("copy", "t/part-1.parquet", 12, f"{source.url}/part-1.parquet"),
        PlannedWrite("delete", "t/old.parquet", 3),
        PlannedWrite("delete_prefix", "u", 2),
    ]
    # and the dry run reads back the store as its writes would have left it
    assert [o.path for o in dry.list("t")] == [
        "t/_delta_log/00000000000000000000.json",
        "t/_delta_log/00000000000000000001.json",
        "t/part-1.parquet",
    ]
    assert [o.path for o in dry.list("t/_delta_log", offset="t/_delta_log/0")] == [
        "t/_delta_log/00000000000000000000.json",
        "t/_delta_log/00000000000000000001.json",
    ]
    assert dry.get("t/part-1.parquet") == b"copied bytes"
    assert b"".join(dry.stream("t/_delta_log/00000000000000000001.json")) == b"v1"
    assert dry.head("t/part-1.parquet").size == 12
    for gone in ("t/old.parquet", "u/x"):
        with pytest.raises(ObjectNotFound):
            dry.head(gone)
    dry.put("u/y", b"y")  # a write under a deleted prefix is seen again
    assert [o.path for o in dry.list("u")] == ["u/y"]


def test_a_dry_run_refuses_what_the_real_store_would(tmp_path: Path) -> None:
    real = open_store(str(tmp_path / "root"))
    real.put("_standby/control.json", b"epoch 1")
    stale = real.get_versioned("_standby/control.json").etag
    real.put("_standby/control.json", b"epoch 2")
    dry = DryRunStore(real)

    with pytest.raises(ObjectExists):
        dry.put("_standby/control.json", b"mine", mode="create")
    with pytest.raises(ObjectChanged):
        dry.put("_standby/control.json", b"epoch 3", if_match=stale)
    with pytest.raises(ObjectNotFound):
        dry.copy_from(real, "missing.parquet", "copy.parquet")
    assert dry.plan == []

    current = dry.get_versioned("_standby/control.json")
    dry.put("_standby/control.json", b"epoch 3", if_match=current.etag)
    with pytest.raises(ObjectChanged):  # the recorded write is the version now
        dry.put("_standby/control.json", b"epoch 3 again", if_match=current.etag)
    assert dry.get("_standby/control.json") == b"epoch 3"
    assert real.get("_standby/control.json") == b"epoch 2"


def test_open_store_composes_the_dry_run(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "lake"), dry_run=True)

    store.put("a", b".")
    store.copy_from(store, "a", "b")

    assert isinstance(store, DryRunStore)
    assert [w.kind for w in store.plan] == ["put", "copy"]
    assert not (tmp_path / "lake").exists()


def test_local_copies_reach_the_destination_wrappers(make_root: Callable[[str], Root]) -> None:
    """Local to local copies once called copy_file directly, past every wrapper."""
    src, dst = make_root("local").store(), make_root("local").store()
    for n in range(5):
        src.put(f"part-{n}.parquet", bytes(n + 1))
    counting = CountingStore(dst)
    tasks = [
        CopyTask(src, f"part-{n}.parquet", counting, f"part-{n}.parquet", n + 1) for n in range(5)
    ]

    stats = ThreadExecutor(workers=2).run(tasks)

    assert (stats.files, stats.bytes) == (5, 15)
    assert counting.calls["copy_from"] == 5 and counting.total == 5
    failing = ErrorOnceStore(dst, "copy_from", times=100)
    with pytest.raises(Unreachable):
        ThreadExecutor(workers=2).run([CopyTask(src, "part-0.parquet", failing, "again", 1)])
    with pytest.raises(ObjectNotFound):
        dst.head("again")


def test_counting_counts_every_method(make_root: Callable[[str], Root]) -> None:
    store = CountingStore(make_root("local").store())

    store.put("a/x", b"1")
    store.get(store.head("a/x").path)
    store.get_versioned("a/x")
    list(store.stream("a/x"))
    list(store.list("a"))
    store.copy_from(store, "a/x", "a/y")
    store.delete("a/y")
    store.delete_prefix("a")

    assert dict(store.calls) == {
        name: 1
        for name in (
            "put",
            "head",
            "get",
            "get_versioned",
            "stream",
            "list",
            "copy_from",
            "delete",
            "delete_prefix",
        )
    }


class GatedStore(StoreWrapper):
    """copy_from of `gated` waits until `gate` is set (at most 10 s)."""

    def __init__(self, inner: ObjectStore, gated: str):
        super().__init__(inner)
        self.gated, self.gate, self.opened_in_time = gated, threading.Event(), False

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        if dst_path == self.gated:
            self.opened_in_time = self.gate.wait(10)
        self.inner.copy_from(source, src_path, dst_path)


class OpensGate:
    """A Progress that opens the gate once every other copy has been reported done."""

    def __init__(self, gate: threading.Event, others: int):
        self.gate, self.others, self.advanced = gate, others, 0

    def start(self, files: int, total_bytes: int) -> None:
        return None

    def advance(self, nbytes: int) -> None:
        self.advanced += 1
        if self.advanced == self.others:
            self.gate.set()

    def finish(self) -> None:
        return None


def test_progress_advances_as_each_copy_ends(make_root: Callable[[str], Root]) -> None:
    """Not all at once at the end: the last copy waits for the others' progress."""
    src, dst = make_root("local").store(), make_root("local").store()
    for n in range(4):
        src.put(f"f{n}", b"x")
    gated = GatedStore(dst, "f3")
    tasks = [CopyTask(src, f"f{n}", gated, f"f{n}", 1) for n in range(4)]

    ThreadExecutor(workers=4).run(tasks, progress=OpensGate(gated.gate, 3))

    assert gated.opened_in_time


class StopsAfterFirst(OpensGate):
    def advance(self, nbytes: int) -> None:
        self.gate.set()


class HeldUntilStopped(StoreWrapper):
    """Every copy but the first waits for `stop` (at most 10 s), then half a second more:
    the copies cannot all end before the executor looks at it."""

    def __init__(self, inner: ObjectStore, stop: threading.Event):
        super().__init__(inner)
        self.stop, self.first = stop, True

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        if not self.first:
            self.stop.wait(10)
            time.sleep(0.5)
        self.first = False
        self.inner.copy_from(source, src_path, dst_path)


def test_a_stop_starts_no_further_copy_and_counts_what_ended(
    make_root: Callable[[str], Root],
) -> None:
    src, dst = make_root("local").store(), make_root("local").store()
    for n in range(20):
        src.put(f"f{n:02d}", b"x")
    stop = threading.Event()
    held = HeldUntilStopped(dst, stop)
    tasks = [CopyTask(src, f"f{n:02d}", held, f"f{n:02d}", 1) for n in range(20)]

    stats = ThreadExecutor(workers=1).run(tasks, progress=StopsAfterFirst(stop, 0), stop=stop)

    assert stats.stopped and 1 <= stats.files <= 3  # the first, and those already started
    assert len(list(dst.list(""))) == stats.files
