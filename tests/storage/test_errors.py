"""What the storage layer says when it cannot do its job: bad URIs, bad options, dead ends."""

from __future__ import annotations

import time

import pytest

from standby.errors import BadInput, Unreachable, UnsupportedURI
from standby.storage import open_store
from standby.storage.obstore_backend import ObstoreStore
from standby.storage.retry import RetryingStore
from tests.servers import S3Server, azure_options, free_port, s3_options


@pytest.mark.parametrize("uri", ["ftp://host/x", "hdfs://nn/lake", "", "s3://"])
def test_unknown_or_malformed_uri(uri: str) -> None:
    with pytest.raises(UnsupportedURI):
        open_store(uri)


@pytest.mark.parametrize("kind", ["s3", "azure"])
def test_closed_port_is_unreachable_after_retries(kind: str) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    uri, options = (
        ("s3://bucket/x", s3_options(endpoint))
        if kind == "s3"
        else ("az://container/x", azure_options(endpoint))
    )
    sleeps: list[float] = []
    store = RetryingStore(ObstoreStore(uri, options=options), attempts=3, sleep=sleeps.append)

    started = time.monotonic()
    with pytest.raises(Unreachable) as raised:
        store.head("_delta_log/_last_checkpoint")
    assert len(sleeps) == 2
    assert time.monotonic() - started < 10
    assert "s3://bucket/x" in str(raised.value) or "az://container/x" in str(raised.value)


def test_plain_http_without_allow_http_is_bad_input(s3_server: S3Server) -> None:
    options = {k: v for k, v in s3_server.options.items() if k != "AWS_ALLOW_HTTP"}
    sleeps: list[float] = []
    store = RetryingStore(ObstoreStore("s3://bucket/x", options=options), sleep=sleeps.append)

    with pytest.raises(BadInput, match="ALLOW_HTTP"):
        store.get("a")
    assert sleeps == []


def test_unknown_option_is_bad_input() -> None:
    with pytest.raises(BadInput, match="s3://bucket"):
        open_store("s3://bucket/x", options={"AWS_NO_SUCH_OPTION": "1"})


def test_options_win_over_the_environment(
    s3_server: S3Server, storage_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = s3_server.create_bucket()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # a dead end
    monkeypatch.setenv("AWS_ALLOW_HTTP", "false")

    store = open_store(f"s3://{bucket}/x", options=s3_server.options)
    store.put("a", b"reached")

    assert store.get("a") == b"reached"


def test_environment_alone_is_enough(s3_server: S3Server, storage_env: dict[str, str]) -> None:
    bucket = s3_server.create_bucket()

    store = open_store(f"s3://{bucket}/x")  # AWS_* from the environment, as delta-rs reads them
    store.put("a", b"via env")

    assert store.get("a") == b"via env"
    assert storage_env["AWS_ALLOW_HTTP"] == "true"
