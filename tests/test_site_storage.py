"""In config mode every command reaches a URL with the storage_options of the site whose
root holds it: backups, table commands, verify and safe-point, as replication does
(tests/replication/test_site_options.py). The DR bucket is reachable only through the
site's options (the environment points S3 at a closed port); a secret is never printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import deltalake
import pytest

from standby.cli import main
from tests.replication.test_site_options import closed_port
from tests.servers import Root
from tests.tables.builders import history_table

SECRET = "testing"  # moto's secret key, as the DR site's storage_options name it


def write_config(tmp_path: Path, dr: Root, table: Path) -> Path:
    config = tmp_path / "standby.yml"
    config.write_text(
        "version: 1\nsites:\n"
        f"  primary: {{role: primary, storage: {{lake: '{table.parent.parent}'}}}}\n"
        "  dr:\n    role: dr\n"
        f"    storage: {{lake: '{dr.join('lake')}', backup: '{dr.join('backups')}'}}\n"
        "    storage_options:\n"
        "      aws_endpoint: {env: DR_S3_ENDPOINT}\n"
        "      aws_secret_access_key: {env: DR_S3_SECRET}\n"
        "      aws_allow_http: 'true'\n"
        f"protected:\n  tables:\n    - {{table: sales.x.t, location: '{table}', tier: tier1}}\n"
        "backups:\n  policies:\n"
        "    - {name: nightly, tables: [sales.x.t], root: backup, retention: {keep_last: 2}}\n"
    )
    return config


@pytest.fixture
def dr_only_by_site_options(
    make_root: Callable[[str], Root], monkeypatch: pytest.MonkeyPatch
) -> Root:
    dr = make_root("s3")
    monkeypatch.setenv("DR_S3_ENDPOINT", dr.storage_options["AWS_ENDPOINT_URL"])
    monkeypatch.setenv("DR_S3_SECRET", dr.storage_options["AWS_SECRET_ACCESS_KEY"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port())  # the environment alone fails
    monkeypatch.delenv("STANDBY_CONFIG", raising=False)
    return dr


def test_backup_table_and_verify_commands_use_the_sites_storage_options(
    tmp_path: Path,
    dr_only_by_site_options: Root,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dr = dr_only_by_site_options
    table = tmp_path / "lake" / "sales" / "t"
    history_table(str(table))
    config = str(write_config(tmp_path, dr, table))
    printed: list[str] = []

    def standby(*args: str) -> str:
        code = main(["--config", config, "--json", *args])
        out = capsys.readouterr()
        printed.append(out.out + out.err)
        assert code == 0, (args, out.err)
        return out.out

    standby("backup", "run")
    (listed,) = json.loads(standby("backup", "list"))
    assert json.loads(standby("backup", "verify", "--read-data"))["ok"] is True
    restored = dr.join("restored", "t")
    standby("backup", "restore", listed["id"], "--to", restored)
    standby("backup", "prune", "--dry-run")

    clone = dr.join("lake", "clones", "t")
    assert json.loads(standby("table", "clone", str(table), clone))["source_version"] == 4
    assert [e["version"] for e in json.loads(standby("table", "history", clone))] == [0]
    standby("table", "restore", restored, "--version", "0", "--dry-run")

    standby("replicate")
    replica = dr.join("lake", "sales", "t")
    verified = standby("verify", replica, "--against", str(table), "--read-data")
    assert json.loads(verified)["ok"] is True
    assert json.loads(standby("safe-point", replica))["version"] == 4
    assert not any(SECRET in text for text in printed)
    for uri in (restored, clone, replica):
        t = deltalake.DeltaTable(uri, storage_options=dr.storage_options)
        assert (
            t.to_pyarrow_table().num_rows
            == deltalake.DeltaTable(str(table)).to_pyarrow_table().num_rows
        )

    # Without the config, the same URL goes to the environment's endpoint: unreachable.
    monkeypatch.chdir(tmp_path / "lake")
    assert main(["--config", str(tmp_path / "none.yml"), "table", "history", clone]) == 4
