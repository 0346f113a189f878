"""RetryingStore, the one retry layer, over real stores wrapped by the injectors of
tests/faults.py, with an injected clock and sleep: nothing here really sleeps."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from standby.errors import ObjectChanged, ObjectExists, ObjectNotFound, Throttled, Unreachable
from standby.storage import Backoff, ObjectStore
from standby.storage.retry import RetryingStore
from tests.faults import (
    CountingStore,
    ErrorOnceStore,
    FlipLastByteStore,
    LostResponseStore,
    TruncatingStore,
)
from tests.servers import Root


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def retrying(
    inner: ObjectStore,
    fake: FakeTime,
    *,
    attempts: int = 6,
    max_delay: float = 10.0,
    budget: float = 600.0,
) -> RetryingStore:
    """A RetryingStore on fake time, its jitter pinned so delays are exact."""
    backoff = Backoff(
        attempts=attempts,
        max_delay=max_delay,
        budget=budget,
        clock=fake.clock,
        sleep=fake.sleep,
        jitter=lambda: 1.0,
    )
    return RetryingStore(inner, backoff=backoff)


@pytest.fixture
def local(make_root: Callable[[str], Root]) -> ObjectStore:
    store = make_root("local").store()
    store.put("x", b"payload")
    return store


def test_transient_errors_are_retried_with_growing_delays(local: ObjectStore) -> None:
    fake = FakeTime()
    flaky = ErrorOnceStore(local, "get", times=3)

    started = time.monotonic()
    assert retrying(flaky, fake).get("x") == b"payload"
    assert flaky.failed == 3
    assert fake.sleeps == [0.2, 0.4, 0.8]  # base 0.2, doubling; jitter pinned to none off
    assert time.monotonic() - started < 0.5  # the sleeps were the fake's


def test_jitter_takes_up_to_half_off(local: ObjectStore) -> None:
    fake = FakeTime()
    backoff = Backoff(clock=fake.clock, sleep=fake.sleep, jitter=lambda: 0.0)

    RetryingStore(ErrorOnceStore(local, "head", times=2), backoff=backoff).head("x")

    assert fake.sleeps == [0.1, 0.2]


def test_retries_give_up_after_the_attempts(local: ObjectStore) -> None:
    fake = FakeTime()
    down = ErrorOnceStore(local, "head", times=100)

    with pytest.raises(Unreachable):
        retrying(down, fake, attempts=3).head("x")
    assert (down.failed, len(fake.sleeps)) == (3, 2)


def test_delays_are_capped_and_the_budget_ends_retrying(local: ObjectStore) -> None:
    fake = FakeTime()
    down = ErrorOnceStore(local, "get", times=100)

    with pytest.raises(Unreachable):
        retrying(down, fake, attempts=50, max_delay=10.0, budget=60.0).get("x")
    assert max(fake.sleeps) == 10.0
    assert sum(fake.sleeps) <= 60.0
    assert down.failed == len(fake.sleeps) + 1 < 50  # the budget, not the attempts, ended it


def test_a_throttled_answer_waits_at_least_what_it_asked(local: ObjectStore) -> None:
    fake = FakeTime()

    def slow_down(store: ObjectStore, method: str) -> BaseException:
        return Throttled(f"{method}: 503 SlowDown", retry_after=7.0)

    throttled = ErrorOnceStore(local, "get", error=slow_down)

    assert retrying(throttled, fake).get("x") == b"payload"
    assert fake.sleeps == [7.0]


def test_definite_answers_are_not_retried(local: ObjectStore) -> None:
    fake = FakeTime()
    counting = CountingStore(local)
    etag = local.get_versioned("x").etag
    local.put("x", b"changed")

    with pytest.raises(ObjectNotFound):
        retrying(counting, fake).get("missing")
    with pytest.raises(ObjectExists):
        retrying(counting, fake).put("x", b"other", mode="create")
    with pytest.raises(ObjectChanged):
        retrying(counting, fake).put("x", b"other", if_match=etag)
    assert fake.sleeps == []
    assert (counting.calls["get"], counting.calls["put"]) == (1, 2)


@pytest.mark.parametrize("condition", ["create", "if_match"])
def test_a_conditional_put_whose_reply_was_lost_is_a_success(
    local: ObjectStore, condition: str
) -> None:
    fake = FakeTime()
    lossy = LostResponseStore(local, "put")
    if condition == "create":
        retrying(lossy, fake).put("_delta_log/00000000000000000001.json", b"c1", mode="create")
        assert local.get("_delta_log/00000000000000000001.json") == b"c1"
    else:
        etag = local.get_versioned("x").etag
        retrying(lossy, fake).put("x", b"epoch 2", if_match=etag)
        assert local.get("x") == b"epoch 2"
    assert len(fake.sleeps) == 1


def test_a_conflict_is_reported_even_after_a_lost_reply(local: ObjectStore) -> None:
    etag = local.get_versioned("x").etag
    local.put("c.json", b"theirs")
    local.put("x", b"theirs too")
    lossy = ErrorOnceStore(local, "put", times=2)  # our first attempts never arrived

    with pytest.raises(ObjectExists):
        retrying(lossy, FakeTime()).put("c.json", b"ours", mode="create")
    with pytest.raises(ObjectChanged):
        retrying(lossy, FakeTime()).put("x", b"ours", if_match=etag)
    assert local.get("x") == b"theirs too"


def test_streamed_overwrite_is_not_replayed(local: ObjectStore) -> None:
    flaky = ErrorOnceStore(local, "put")

    with pytest.raises(Unreachable):  # an iterator cannot be replayed: the caller retries
        retrying(flaky, FakeTime()).put("y", iter([b"a", b"b"]))
    retrying(flaky, FakeTime()).put("y", iter([b"a", b"b"]))
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
def test_copy_from_restarts_a_cut_stream(
    make_root: Callable[[str], Root], src_kind: str, dst_kind: str
) -> None:
    src, dst = make_root(src_kind).store(), make_root(dst_kind).store()
    data = os.urandom(3 << 20)
    src.put("part-0.parquet", data)
    cut = TruncatingStore(src, after=1)

    dst.copy_from(cut, "part-0.parquet", "part-0.parquet")

    assert cut.remaining == 0
    assert dst.get("part-0.parquet") == data


def test_flip_last_byte_corrupts_reads_only(local: ObjectStore) -> None:
    flipped = FlipLastByteStore(local)

    assert flipped.get("x") == b"payloa" + bytes([ord("d") ^ 0xFF])
    assert b"".join(flipped.stream("x", chunk_size=3)) == flipped.get("x")
    assert local.get("x") == b"payload"
