"""The ObjectStore contract, run against every backend: local, S3 (moto), Azure (Azurite)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from standby.errors import BadInput, ObjectExists, ObjectNotFound
from standby.storage import ObjectStore
from tests.servers import Root

MiB = 1 << 20


def paths(store: ObjectStore, prefix: str = "", offset: str | None = None) -> list[str]:
    return [info.path for info in store.list(prefix, offset=offset)]


def put_many(store: ObjectStore, names: list[str]) -> None:
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda name: store.put(name, name.encode()), names))


def test_put_get_head(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("a/b/c.json", b'{"x": 1}')

    assert store.get("a/b/c.json") == b'{"x": 1}'
    info = store.head("a/b/c.json")
    assert (info.path, info.size) == ("a/b/c.json", 8)
    assert info.last_modified is not None


def test_put_from_chunks_and_empty(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("chunks", iter([b"ab", b"", b"cd"]))
    store.put("empty", b"")
    store.put("empty-chunks", iter([]))

    assert store.get("chunks") == b"abcd"
    assert store.get("empty") == b""
    assert store.head("empty-chunks").size == 0


def test_overwrite_replaces(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("x", b"first")
    store.put("x", b"second, longer")

    assert store.get("x") == b"second, longer"
    assert store.head("x").size == len(b"second, longer")


def test_create_refuses_existing_object(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("_delta_log/00000000000000000000.json", b"v0", mode="create")

    with pytest.raises(ObjectExists):
        store.put("_delta_log/00000000000000000000.json", b"other", mode="create")
    assert store.get("_delta_log/00000000000000000000.json") == b"v0"


def test_create_races_have_exactly_one_winner(remote_root: Root) -> None:
    store = remote_root.store()
    start = threading.Barrier(8)

    def contend(n: int) -> bool:
        start.wait()
        try:
            store.put("_standby/control.json", f"writer {n}".encode(), mode="create")
            return True
        except ObjectExists:
            return False

    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(contend, range(8)))

    assert won.count(True) == 1
    assert store.get("_standby/control.json") == f"writer {won.index(True)}".encode()


def test_list_is_sorted_and_prefix_is_a_directory(remote_root: Root) -> None:
    store = remote_root.store()
    names = ["b/2", "a", "b/1", "c/x/y", "bz/1", "b/10"]
    for name in names:
        store.put(name, b".")

    assert paths(store) == sorted(names)
    assert paths(store, "b") == ["b/1", "b/10", "b/2"]
    assert paths(store, "c/x") == ["c/x/y"]
    assert paths(store, "nothing") == []


def test_list_offset_is_start_after(remote_root: Root) -> None:
    store = remote_root.store()
    log = [f"_delta_log/{v:020d}.json" for v in range(5)]
    for name in [*log, "_delta_log/_last_checkpoint", "part-0.parquet"]:
        store.put(name, b".")

    assert paths(store, "_delta_log", offset=log[2]) == [*log[3:], "_delta_log/_last_checkpoint"]
    assert paths(store, offset=log[4]) == ["_delta_log/_last_checkpoint", "part-0.parquet"]
    assert paths(store, "_delta_log", offset="_delta_log/z") == []


@pytest.mark.parametrize("remote_root", ["local", "s3"], indirect=True)
def test_list_crosses_pages(remote_root: Root) -> None:
    """S3 pages hold 1000 keys. Azure's hold 5000: crossing one would take 20 s of puts."""
    store = remote_root.store()
    names = [f"_delta_log/{v:020d}.json" for v in range(1100)]
    put_many(store, names)

    assert paths(store, "_delta_log") == names
    assert paths(store, "_delta_log", offset=names[949]) == names[950:]


def test_stream_large_object_in_bounded_chunks(remote_root: Root) -> None:
    store = remote_root.store()
    data = os.urandom(20 * MiB)
    store.put("big.parquet", data)

    digest, total, largest = hashlib.sha256(), 0, 0
    for chunk in store.stream("big.parquet", chunk_size=MiB):
        digest.update(chunk)
        total += len(chunk)
        largest = max(largest, len(chunk))

    assert total == len(data)
    assert digest.digest() == hashlib.sha256(data).digest()
    assert largest < 2 * MiB


def test_copy_within_store(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("src/part-0.parquet", b"data")
    store.put("dst/part-0.parquet", b"stale")

    store.copy_from(store, "src/part-0.parquet", "dst/part-0.parquet")
    store.copy_from(store, "src/part-0.parquet", "new/dir/part-0.parquet")

    assert store.get("dst/part-0.parquet") == b"data"
    assert store.get("new/dir/part-0.parquet") == b"data"
    assert store.get("src/part-0.parquet") == b"data"
    with pytest.raises(ObjectNotFound):
        store.copy_from(store, "src/missing", "dst/missing")


@pytest.mark.parametrize(
    ("src_kind", "dst_kind"),
    [("local", "s3"), ("s3", "azure"), ("azure", "local"), ("s3", "s3"), ("local", "local")],
)
def test_copy_from_another_store(
    make_root: Callable[[str], Root], src_kind: str, dst_kind: str
) -> None:
    src, dst = make_root(src_kind).store(), make_root(dst_kind).store()
    data = os.urandom(9 * MiB)  # more than one part of a streamed upload
    src.put("a/part-0.parquet", data)

    dst.copy_from(src, "a/part-0.parquet", "b/part-0.parquet")

    assert dst.get("b/part-0.parquet") == data
    with pytest.raises(ObjectNotFound):
        dst.copy_from(src, "a/missing", "b/missing")
    with pytest.raises(ObjectNotFound):
        dst.head("b/missing")


def test_delete_is_idempotent(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("x", b".")

    store.delete("x")
    store.delete("x")
    store.delete("never/was")

    assert paths(store) == []


def test_delete_prefix_removes_a_whole_segment(remote_root: Root) -> None:
    store = remote_root.store()
    for name, data in [("t/a", b"12"), ("t/b/c", b"345"), ("tz/x", b"."), ("u", b".")]:
        store.put(name, data)

    removed = store.delete_prefix("t")

    assert (removed.files, removed.bytes) == (2, 5)
    assert paths(store) == ["tz/x", "u"]
    assert store.delete_prefix("t/").files == 0  # idempotent
    with pytest.raises(BadInput):
        store.delete_prefix("/")


def test_missing_objects(remote_root: Root) -> None:
    store = remote_root.store()
    for read in (store.head, store.get, store.get_versioned, lambda p: list(store.stream(p))):
        with pytest.raises(ObjectNotFound):
            read("missing/object")
    assert paths(store, "missing") == []
