"""A site's storage_options in standby.yml reach its stores: here the DR bucket is reachable
only through them (the environment points S3 at a closed port), as when the two regions
live in two accounts with their own endpoints and keys."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import deltalake
import pytest

from standby.cli import main
from tests.servers import Root
from tests.tables.builders import history_table


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_replicate_uses_the_dr_sites_storage_options(
    tmp_path: Path,
    make_root: Callable[[str], Root],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dr = make_root("s3")
    endpoint = dr.storage_options["AWS_ENDPOINT_URL"]
    monkeypatch.setenv("DR_S3_ENDPOINT", endpoint)
    monkeypatch.setenv("DR_S3_SECRET", dr.storage_options["AWS_SECRET_ACCESS_KEY"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port())  # the environment alone fails
    lake = tmp_path / "lake"
    table = lake / "sales" / "t"
    history_table(str(table))
    config = tmp_path / "standby.yml"
    config.write_text(
        "version: 1\nsites:\n"
        f"  primary: {{role: primary, storage: {{lake: '{lake}'}}}}\n"
        f"  dr:\n    role: dr\n    storage: {{lake: '{dr.uri}'}}\n"
        "    storage_options:\n"
        "      aws_endpoint: {env: DR_S3_ENDPOINT}\n"
        "      aws_secret_access_key: {env: DR_S3_SECRET}\n"
        "      aws_allow_http: 'true'\n"
        f"protected:\n  tables:\n    - {{table: sales.x.t, location: '{table}', tier: tier1}}\n"
    )
    assert main(["--config", str(config), "replicate"]) == 0, capsys.readouterr().err
    assert main(["--config", str(config), "status"]) == 0, capsys.readouterr().err
    out = capsys.readouterr()
    assert "testing" not in out.out + out.err  # a secret value is never printed
    replica = deltalake.DeltaTable(dr.join("sales/t"), storage_options=dr.storage_options)
    assert replica.version() == 4
