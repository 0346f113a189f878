"""Compare-and-swap (get_versioned + put(if_match=...)) on every backend: local, S3 (moto),
Azure (Azurite). Control objects, the lease and the journal are written this way.

moto enforces If-Match on PutObject (moto/s3/responses.py, put_object: 412 on an etag
mismatch, 404 when the object is absent); its check and its write are not under one lock,
so the races below also rely on moto's timing there. Real S3 and Azure make them atomic.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from standby.errors import ObjectChanged, ObjectNotFound
from standby.storage import ObjectStore, open_store
from tests.servers import Root

ROUNDS = {"local": 200, "s3": 60, "azure": 60}


def test_get_versioned_reads_the_bytes_and_a_token_that_changes(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("_standby/control.json", b'{"epoch": 1}')

    first = store.get_versioned("_standby/control.json")
    store.put("_standby/control.json", b'{"epoch": 2}')
    second = store.get_versioned("_standby/control.json")

    assert first.data == b'{"epoch": 1}' and second.data == b'{"epoch": 2}'
    assert first.etag and second.etag and first.etag != second.etag
    with pytest.raises(ObjectNotFound):
        store.get_versioned("_standby/missing.json")


def test_conditional_put_with_the_current_etag_replaces(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("lease.json", b"free")
    read = store.get_versioned("lease.json")

    store.put("lease.json", b"held by a", if_match=read.etag)

    assert store.get("lease.json") == b"held by a"
    assert store.get_versioned("lease.json").etag != read.etag


def test_conditional_put_with_a_stale_etag_is_refused(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("lease.json", b"free")
    stale = store.get_versioned("lease.json").etag
    store.put("lease.json", b"held by b", if_match=stale)

    with pytest.raises(ObjectChanged, match=r"lease\.json"):
        store.put("lease.json", b"held by a", if_match=stale)
    assert store.get("lease.json") == b"held by b"


def test_conditional_put_on_an_absent_object_is_refused(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("journal.json", b"v1")
    etag = store.get_versioned("journal.json").etag
    store.delete("journal.json")

    with pytest.raises(ObjectChanged, match=r"journal\.json"):
        store.put("journal.json", b"v2", if_match=etag)
    with pytest.raises(ObjectNotFound):
        store.head("journal.json")


def test_two_racing_writers_from_one_etag_exactly_one_wins(remote_root: Root) -> None:
    """Many rounds: both writers read the same version, then race to replace it."""
    store = remote_root.store()
    store.put("_standby/control.json", b"round -1")
    for n in range(ROUNDS[remote_root.kind]):
        etag = store.get_versioned("_standby/control.json").etag
        start = threading.Barrier(2)

        def write(who: str, etag: str = etag, n: int = n, start: threading.Barrier = start) -> bool:
            start.wait()
            try:
                store.put("_standby/control.json", f"round {n} {who}".encode(), if_match=etag)
                return True
            except ObjectChanged:
                return False

        with ThreadPoolExecutor(2) as pool:
            won = list(pool.map(write, ["a", "b"]))

        assert won.count(True) == 1, f"round {n}: {won}"
        winner = "ab"[won.index(True)]
        assert store.get("_standby/control.json") == f"round {n} {winner}".encode()


def increment(store: ObjectStore, path: str, times: int) -> int:
    """Add 1 to the counter at `path` `times` times by CAS; returns the conflicts seen."""
    conflicts = 0
    for _ in range(times):
        while True:
            current = store.get_versioned(path)
            try:
                store.put(path, str(int(current.data) + 1).encode(), if_match=current.etag)
                break
            except ObjectChanged:
                conflicts += 1
    return conflicts


def test_no_update_is_lost_among_concurrent_writers(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("counter", b"0")
    writers, times = 4, 15

    with ThreadPoolExecutor(writers) as pool:
        conflicts = sum(pool.map(lambda _: increment(store, "counter", times), range(writers)))

    assert int(store.get("counter")) == writers * times
    assert conflicts > 0  # they did race


def _increment_in_process(root: str, times: int, start: Callable[[], object]) -> None:
    start()
    increment(open_store(root), "counter", times)


def test_no_update_is_lost_among_processes_on_local_disk(tmp_path: Path) -> None:
    """The local lock is an fcntl lock on a file: it holds across processes, not only
    threads. Three processes add 40 each to one counter."""
    root = str(tmp_path / "site")
    open_store(root).put("counter", b"0")
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(3)
    procs = [
        context.Process(target=_increment_in_process, args=(root, 40, start.wait)) for _ in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)

    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert open_store(root).get("counter") == b"120"
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [".counter.lock", "counter"]
    assert [o.path for o in open_store(root).list()] == ["counter"]  # the lock is no object
