"""RetryingStore and copy_object over real stores wrapped by the injectors of tests/faults.py."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from standby.errors import ObjectExists, ObjectNotFound, Unreachable
from standby.storage import ObjectStore, copy_object
from standby.storage.retry import RetryingStore
from tests.faults import (
    CountingStore,
    ErrorOnceStore,
    FlipLastByteStore,
    LostResponseStore,
    TruncatingStore,
)
from tests.servers import Root


def retrying(inner: ObjectStore, sleeps: list[float], attempts: int = 4) -> RetryingStore:
    return RetryingStore(inner, attempts=attempts, sleep=sleeps.append)


@pytest.fixture
def local(make_root: Callable[[str], Root]) -> ObjectStore:
    store = make_root("local").store()
    store.put("x", b"payload")
    return store


def test_transient_errors_are_retried_with_growing_delays(local: ObjectStore) -> None:
    sleeps: list[float] = []
    flaky = ErrorOnceStore(local, "get", times=3)

    assert retrying(flaky, sleeps).get("x") == b"payload"
    assert flaky.failed == 3
    assert len(sleeps) == 3
    assert sleeps[0] < 0.2 < sleeps[2]  # 0.2 * 2^(n-1), each with up to half off as jitter


def test_retries_give_up_with_unreachable(local: ObjectStore) -> None:
    sleeps: list[float] = []
    down = ErrorOnceStore(local, "head", times=100)

    with pytest.raises(Unreachable):
        retrying(down, sleeps, attempts=3).head("x")
    assert (down.failed, len(sleeps)) == (3, 2)


def test_definite_answers_are_not_retried(local: ObjectStore) -> None:
    sleeps: list[float] = []
    counting = CountingStore(local)

    with pytest.raises(ObjectNotFound):
        retrying(counting, sleeps).get("missing")
    with pytest.raises(ObjectExists):
        retrying(counting, sleeps).put("x", b"other", mode="create")
    assert sleeps == []
    assert (counting.calls["get"], counting.calls["put"]) == (1, 1)


def test_create_whose_reply_was_lost_is_a_success(local: ObjectStore) -> None:
    sleeps: list[float] = []
    lossy = LostResponseStore(local, "put")

    retrying(lossy, sleeps).put("_delta_log/00000000000000000001.json", b"c1", mode="create")

    assert local.get("_delta_log/00000000000000000001.json") == b"c1"
    assert len(sleeps) == 1


def test_create_conflict_is_reported_even_after_a_lost_reply(local: ObjectStore) -> None:
    local.put("c.json", b"theirs")
    lossy = ErrorOnceStore(local, "put")  # our first attempt never arrived

    with pytest.raises(ObjectExists):
        retrying(lossy, []).put("c.json", b"ours", mode="create")


def test_streamed_overwrite_is_not_replayed(local: ObjectStore) -> None:
    flaky = ErrorOnceStore(local, "put")

    with pytest.raises(Unreachable):  # an iterator cannot be replayed: the caller retries
        retrying(flaky, []).put("y", iter([b"a", b"b"]))
    retrying(flaky, []).put("y", iter([b"a", b"b"]))
    assert local.get("y") == b"ab"


def test_a_put_cut_mid_stream_leaves_nothing(remote_root: Root) -> None:
    store = remote_root.store()
    store.put("src", os.urandom(3 << 20))
    cut = TruncatingStore(store, after=2)

    with pytest.raises(Unreachable):
        store.put("dst", cut.stream("src", chunk_size=1 << 20))
    with pytest.raises(ObjectNotFound):
        store.head("dst")


@pytest.mark.parametrize(("src_kind", "dst_kind"), [("local", "s3"), ("azure", "local")])
def test_copy_object_restarts_a_cut_stream(
    make_root: Callable[[str], Root], src_kind: str, dst_kind: str
) -> None:
    src, dst = make_root(src_kind).store(), make_root(dst_kind).store()
    data = os.urandom(3 << 20)
    src.put("part-0.parquet", data)
    cut = TruncatingStore(src, after=1)

    copy_object(cut, "part-0.parquet", dst, "part-0.parquet")

    assert cut.remaining == 0
    assert dst.get("part-0.parquet") == data


def test_flip_last_byte_corrupts_reads_only(local: ObjectStore) -> None:
    flipped = FlipLastByteStore(local)

    assert flipped.get("x") == b"payloa" + bytes([ord("d") ^ 0xFF])
    assert b"".join(flipped.stream("x", chunk_size=3)) == flipped.get("x")
    assert local.get("x") == b"payload"
