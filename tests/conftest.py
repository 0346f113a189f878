"""Shared fixtures: real storage servers on loopback and fresh roots on every backend.

A test that should run on local, S3 (moto) and Azure (Azurite) takes `remote_root`:

    def test_x(remote_root: Root) -> None:
        write_deltalake(remote_root.join("t"), data, storage_options=remote_root.storage_options)

It runs once per backend in BACKENDS. To pick backends, parametrize it indirectly:
`@pytest.mark.parametrize("remote_root", ["s3", "azure"], indirect=True)`. A test that
needs several roots (cross-store copies) calls `make_root("s3")` as often as it likes.
Either way the environment also points at the servers (AWS_*, AZURE_*), for the duration of
the test, so code that reads credentials from the environment works too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.servers import (
    BACKENDS,
    AzureServer,
    Root,
    S3Server,
    start_azurite,
    start_moto,
)

# Variables that would make obstore or deltalake look elsewhere than the test servers.
FOREIGN_ENV = {
    "s3": ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT", "AWS_DEFAULT_REGION"],
    "azure": [
        "AZURE_STORAGE_USE_EMULATOR",
        "AZURE_STORAGE_CONNECTION_STRING",
        "AZURE_STORAGE_SAS_TOKEN",
        "AZURE_STORAGE_CLIENT_ID",
        "AZURE_STORAGE_CLIENT_SECRET",
        "AZURE_STORAGE_TENANT_ID",
    ],
}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 server, one per xdist worker, for the whole session."""
    server = start_moto(tmp_path_factory.mktemp("moto"))
    try:
        yield server
    finally:
        server.server.stop()


@pytest.fixture(scope="session")
def azure_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzureServer]:
    """Azurite's blob service, one per xdist worker. Fails (never skips) when not installed."""
    try:
        server = start_azurite(tmp_path_factory.mktemp("azurite"))
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield server
    finally:
        server.server.stop()


@pytest.fixture
def make_root(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], Root]:
    """A factory of fresh, empty roots: make_root("local" | "s3" | "azure").

    Each S3 root is a new bucket, each Azure root a new container; the environment points
    at the servers for the rest of the test.
    """

    def make(kind: str) -> Root:
        if kind == "local":
            path = tmp_path / f"root-{uuid.uuid4().hex[:8]}"
            return Root("local", str(path), {})
        if kind == "s3":
            s3: S3Server = request.getfixturevalue("s3_server")
            _point_env(monkeypatch, kind, s3.options)
            return Root("s3", f"s3://{s3.create_bucket()}/root", dict(s3.options))
        if kind == "azure":
            az: AzureServer = request.getfixturevalue("azure_server")
            _point_env(monkeypatch, kind, az.options)
            return Root("azure", f"az://{az.create_container()}/root", dict(az.options))
        raise ValueError(f"unknown backend {kind!r}; one of {BACKENDS}")

    return make


@pytest.fixture(params=BACKENDS)
def remote_root(request: pytest.FixtureRequest, make_root: Callable[[str], Root]) -> Root:
    """A fresh, empty root on each backend in turn (local, s3, azure)."""
    return make_root(request.param)


@pytest.fixture
def storage_env(
    s3_server: S3Server, azure_server: AzureServer, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Point the environment at both servers for this test; returns the variables set."""
    _point_env(monkeypatch, "s3", s3_server.options)
    _point_env(monkeypatch, "azure", azure_server.options)
    return {**s3_server.options, **azure_server.options}


def _point_env(monkeypatch: pytest.MonkeyPatch, kind: str, options: dict[str, str]) -> None:
    for name in FOREIGN_ENV[kind]:
        monkeypatch.delenv(name, raising=False)
    for name, value in options.items():
        monkeypatch.setenv(name, value)
    if kind == "s3":
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
