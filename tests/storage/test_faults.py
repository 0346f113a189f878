"""Retries against real servers behind a fault-injecting proxy: 503 bursts, cut connections,
lost replies, latency. The store is composed as open_store composes it, with no sleeping."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from standby.errors import BadInput, ObjectChanged, ObjectExists, Unreachable
from standby.storage import Backoff, ObjectStore
from standby.storage.obstore_backend import ObstoreStore
from standby.storage.retry import RetryingStore
from tests.fault_proxy import FaultProxy, fault_proxy
from tests.servers import AzureServer, Root, S3Server, azure_options, s3_options

ATTEMPTS = Backoff().attempts


@dataclass
class Faulty:
    """A store whose every request goes through `proxy`; `sleeps` records retry delays."""

    store: ObjectStore
    proxy: FaultProxy
    sleeps: list[float]


def through_proxy(
    proxy: FaultProxy, uri: str, options: dict[str, str], *, attempts: int = ATTEMPTS
) -> Faulty:
    sleeps: list[float] = []
    backoff = Backoff(attempts=attempts, sleep=sleeps.append)
    store = RetryingStore(ObstoreStore(uri, options=options), backoff=backoff)
    return Faulty(store, proxy, sleeps)


@pytest.fixture(params=["s3", "azure"])
def faulty(request: pytest.FixtureRequest) -> Iterator[Faulty]:
    """A fresh bucket or container, reached through a FaultProxy."""
    if request.param == "s3":
        s3: S3Server = request.getfixturevalue("s3_server")
        upstream, uri, make = s3.server.url, f"s3://{s3.create_bucket()}/root", s3_options
    else:
        az: AzureServer = request.getfixturevalue("azure_server")
        upstream, uri, make = az.server.url, f"az://{az.create_container()}/root", azure_options
    with fault_proxy(upstream) as proxy:
        yield through_proxy(proxy, uri, make(proxy.url))


def test_burst_of_503s_is_survived(faulty: Faulty) -> None:
    faulty.proxy.inject("status", count=ATTEMPTS - 1)

    faulty.store.put("a.json", b"{}")
    faulty.proxy.inject("status", count=ATTEMPTS - 1)

    assert faulty.store.get("a.json") == b"{}"
    assert faulty.proxy.outcomes("status") == 2 * (ATTEMPTS - 1)
    assert len(faulty.sleeps) == 2 * (ATTEMPTS - 1)  # every retry is ours: obstore's are off


def test_one_retry_layer_a_call_costs_at_most_its_attempts(faulty: Faulty) -> None:
    """Once obstore retried inside each of our attempts (up to 18 requests a call)."""
    faulty.proxy.inject("status", count=3 * ATTEMPTS)

    with pytest.raises(Unreachable):
        faulty.store.get("a.json")
    assert len(faulty.proxy.seen) == ATTEMPTS
    assert len(faulty.sleeps) == ATTEMPTS - 1


def test_throttling_is_retried(faulty: Faulty) -> None:
    faulty.proxy.inject("status", count=3, status=429)

    faulty.store.put("a.json", b"{}")

    assert faulty.store.head("a.json").size == 2
    assert faulty.proxy.outcomes("status") == 3


def test_client_errors_are_not_retried(faulty: Faulty) -> None:
    faulty.proxy.inject("status", count=1, status=400)

    with pytest.raises(BadInput, match="400"):
        faulty.store.put("a.json", b"{}")
    assert faulty.sleeps == []
    assert len(faulty.proxy.seen) == 1


def test_dropped_connections_are_survived(faulty: Faulty) -> None:
    faulty.store.put("_delta_log/00000000000000000000.json", b"v0")
    faulty.proxy.inject("drop", count=ATTEMPTS - 1)

    assert [i.path for i in faulty.store.list("_delta_log")] == [
        "_delta_log/00000000000000000000.json"
    ]
    assert faulty.store.get("_delta_log/00000000000000000000.json") == b"v0"
    assert faulty.proxy.outcomes("drop") == ATTEMPTS - 1


def test_create_whose_reply_was_lost_is_a_success(faulty: Faulty) -> None:
    faulty.proxy.inject("lose_response", method="PUT")

    faulty.store.put("_delta_log/00000000000000000001.json", b"commit 1", mode="create")

    assert faulty.proxy.outcomes("lose_response") == 1
    assert faulty.proxy.outcomes("forwarded", method="PUT") == 1  # the retry: 412 / 409
    assert faulty.store.get("_delta_log/00000000000000000001.json") == b"commit 1"


def test_create_whose_reply_was_lost_still_loses_to_another_writer(faulty: Faulty) -> None:
    faulty.store.put("_delta_log/00000000000000000001.json", b"their commit")
    faulty.proxy.inject("lose_response", method="PUT")

    with pytest.raises(ObjectExists):
        faulty.store.put("_delta_log/00000000000000000001.json", b"our commit", mode="create")
    assert faulty.store.get("_delta_log/00000000000000000001.json") == b"their commit"


def test_conditional_put_whose_reply_was_lost_is_a_success(faulty: Faulty) -> None:
    faulty.store.put("_standby/control.json", b'{"epoch": 1}')
    etag = faulty.store.get_versioned("_standby/control.json").etag
    faulty.proxy.inject("lose_response", method="PUT")

    faulty.store.put("_standby/control.json", b'{"epoch": 2}', if_match=etag)

    assert faulty.proxy.outcomes("lose_response") == 1
    assert faulty.store.get("_standby/control.json") == b'{"epoch": 2}'
    with pytest.raises(ObjectChanged):  # and the etag it replaced is stale now
        faulty.store.put("_standby/control.json", b'{"epoch": 3}', if_match=etag)


def test_create_after_503s_and_drops(faulty: Faulty) -> None:
    faulty.proxy.inject("status", count=2, method="PUT")
    faulty.proxy.inject("drop", count=2, method="PUT")

    faulty.store.put("_standby/control.json", b'{"epoch": 1}', mode="create")

    assert faulty.store.get("_standby/control.json") == b'{"epoch": 1}'
    assert len(faulty.sleeps) == 4  # every retry is RetryingStore's


def test_a_multipart_copy_survives_503s_by_restarting(
    faulty: Faulty, make_root: Callable[[str], Root]
) -> None:
    """A part that fails fails the upload (aborted: nothing appears); the copy restarts."""
    source = make_root("local").store()
    data = os.urandom(20 << 20)  # three parts of 8 MiB
    source.put("big.parquet", data)
    faulty.proxy.inject("status", count=2, method="PUT")

    faulty.store.copy_from(source, "big.parquet", "big.parquet")

    assert faulty.store.get("big.parquet") == data
    assert faulty.proxy.outcomes("status") == 2
    assert 1 <= len(faulty.sleeps) <= 2  # parts go up 4 at a time: both may fail one try


def test_latency_below_the_timeout_only_slows_down(faulty: Faulty) -> None:
    faulty.store.put("a", b"x")
    faulty.proxy.latency = 0.2

    started = time.monotonic()
    assert faulty.store.get("a") == b"x"
    assert time.monotonic() - started >= 0.2
    assert faulty.sleeps == []


def test_latency_above_the_timeout_is_unreachable(s3_server: S3Server) -> None:
    bucket = s3_server.create_bucket()
    with fault_proxy(s3_server.server.url) as proxy:
        options = {**s3_options(proxy.url), "timeout": "100ms"}  # a client option, by name
        faulty = through_proxy(proxy, f"s3://{bucket}/root", options, attempts=2)
        proxy.latency = 0.5

        with pytest.raises(Unreachable):
            faulty.store.get("a")
    assert len(faulty.sleeps) == 1
