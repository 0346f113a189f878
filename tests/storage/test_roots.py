"""The fixtures' promise: deltalake and standby's stores both reach every root, with the
root's `storage_options` or with the environment alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from tests import servers
from tests.servers import Root


def test_deltalake_and_standby_share_a_root(remote_root: Root) -> None:
    uri, options = remote_root.join("sales"), remote_root.storage_options
    write_deltalake(uri, pa.table({"id": [1, 2]}), storage_options=options)
    for n in (3, 4):  # past version 1: delta-rs lists the log with an offset (Azure: startFrom)
        write_deltalake(uri, pa.table({"id": [n]}), storage_options=options, mode="append")

    table = DeltaTable(uri, storage_options=options)
    assert table.version() == 2
    assert sorted(table.to_pyarrow_table()["id"].to_pylist()) == [1, 2, 3, 4]
    log = [info.path for info in remote_root.store("sales").list("_delta_log")]
    assert log == [f"_delta_log/{v:020d}.json" for v in range(3)]


@pytest.mark.parametrize("remote_root", ["s3", "azure"], indirect=True)
def test_the_environment_alone_reaches_remote_roots(remote_root: Root) -> None:
    uri = remote_root.join("env_only")
    write_deltalake(uri, pa.table({"id": [1]}))

    assert DeltaTable(uri).version() == 0
    assert remote_root.kind in {"s3", "azure"}


def test_roots_are_fresh_and_distinct(make_root: Callable[[str], Root]) -> None:
    roots = [make_root("s3"), make_root("s3"), make_root("azure")]

    assert len({r.uri for r in roots}) == 3
    assert all(list(r.store().list()) == [] for r in roots)


def test_missing_azurite_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STANDBY_AZURITE", str(tmp_path / "no-azurite"))
    monkeypatch.setattr(servers, "AZURITE_FALLBACK", tmp_path / "neither")

    with pytest.raises(FileNotFoundError, match="make test"):
        servers.azurite_command()
