"""What the storage layer says when it cannot do its job: bad URIs, bad options, dead ends."""

from __future__ import annotations

import base64
import time
import urllib.request
from collections.abc import Iterator

import pytest

from standby.errors import AccessDenied, BadInput, BucketNotFound, Unreachable, UnsupportedURI
from standby.storage import Backoff, open_store
from standby.storage.obstore_backend import ObstoreStore
from standby.storage.retry import RetryingStore
from tests.servers import (
    AzureServer,
    S3Server,
    azure_options,
    free_port,
    s3_options,
    start_moto,
    unique_name,
)


def no_sleep(sleeps: list[float], attempts: int = 6) -> Backoff:
    return Backoff(attempts=attempts, sleep=sleeps.append)


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
    store = RetryingStore(ObstoreStore(uri, options=options), backoff=no_sleep(sleeps, 3))

    started = time.monotonic()
    with pytest.raises(Unreachable) as raised:
        store.head("_delta_log/_last_checkpoint")
    assert len(sleeps) == 2
    assert time.monotonic() - started < 10
    assert "s3://bucket/x" in str(raised.value) or "az://container/x" in str(raised.value)


def test_plain_http_without_allow_http_is_bad_input(s3_server: S3Server) -> None:
    options = {k: v for k, v in s3_server.options.items() if k != "AWS_ALLOW_HTTP"}
    sleeps: list[float] = []
    store = RetryingStore(ObstoreStore("s3://bucket/x", options=options), backoff=no_sleep(sleeps))

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


# --- what a user reads when the credentials or the bucket are wrong ----------------------


@pytest.fixture(scope="module")
def strict_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[S3Server, str]]:
    """A moto of its own that checks credentials (IAM auth on), and a bucket in it: the
    test keys are unknown to its IAM, as a revoked or mistyped key is to S3."""
    server = start_moto(tmp_path_factory.mktemp("moto-auth"))
    try:
        bucket = server.create_bucket()
        request = urllib.request.Request(
            f"{server.server.url}/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        urllib.request.urlopen(request, timeout=10).read()
        yield server, bucket
    finally:
        server.server.stop()


def _wrong_key(kind: str, request: pytest.FixtureRequest) -> tuple[str, dict[str, str]]:
    if kind == "s3":
        s3, bucket = request.getfixturevalue("strict_s3")
        return f"s3://{bucket}/lake", s3.options
    az: AzureServer = request.getfixturevalue("azure_server")
    options = {**az.options, "AZURE_STORAGE_ACCOUNT_KEY": base64.b64encode(b"not-the-key").decode()}
    return f"az://{az.create_container()}/lake", options


@pytest.mark.parametrize("kind", ["s3", "azure"])
def test_refused_credentials_name_the_store_the_operation_and_what_to_check(
    kind: str, request: pytest.FixtureRequest
) -> None:
    uri, options = _wrong_key(kind, request)
    store = open_store(uri, options=options)

    for operation, call in [
        ("get", lambda: store.get("_delta_log/_last_checkpoint")),
        ("list", lambda: list(store.list("_delta_log"))),
        ("put", lambda: store.put("x", b".")),
    ]:
        with pytest.raises(AccessDenied) as raised:
            call()
        text = str(raised.value)
        assert "\n" not in text
        assert uri in text and operation in text and "403" in text
        assert "credentials" in text and "storage_options" in text
        assert options.get("AWS_SECRET_ACCESS_KEY", "\0") not in text
        assert options.get("AZURE_STORAGE_ACCOUNT_KEY", "\0") not in text


@pytest.mark.parametrize("kind", ["s3", "azure"])
def test_a_missing_bucket_is_named(kind: str, request: pytest.FixtureRequest) -> None:
    server: S3Server | AzureServer = request.getfixturevalue(f"{kind}_server")
    bucket = unique_name("missing")
    uri = f"{'s3' if kind == 's3' else 'az'}://{bucket}/lake/t"
    store = open_store(uri, options=server.options)

    for call in [
        lambda: store.get("_delta_log/_last_checkpoint"),
        lambda: list(store.list("_delta_log")),
        lambda: store.put("_delta_log/00000000000000000000.json", b"{}", mode="create"),
    ]:
        with pytest.raises(BucketNotFound) as raised:
            call()
        text = str(raised.value)
        assert "\n" not in text
        assert f"'{bucket}'" in text and "does not exist" in text
        assert ("NoSuchBucket" if kind == "s3" else "ContainerNotFound") in text
