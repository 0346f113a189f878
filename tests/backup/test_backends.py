"""Acceptance 5: the whole backup cycle with the backup root (and the source) on local disk,
S3 (moto) and Azure (Azurite), through the command line, credentials from the environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import deltalake
import pytest

from standby.cli import main
from tests.backup.policies import policy, write_config
from tests.servers import Root
from tests.tables.builders import batch, history_table
from tests.tables.reading import read, same_rows
from tests.uploads import upload

KINDS = ("deep", "shallow", "incremental")


def _cli(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> Any:
    assert main(["--json", *args]) == code, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_backup_cycle_on_every_backend(
    remote_root: Root, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = tmp_path / "built"
    history_table(str(built))
    source = upload(built, remote_root, "lake/t")
    ds: dict[str, Any] = (
        {"storage_options": remote_root.storage_options} if remote_root.storage_options else {}
    )
    policies = [policy(k, [source], kind=k, keep_last=1) for k in KINDS]
    cfg = str(write_config(tmp_path, remote_root.join("backups"), policies))

    first = _cli(capsys, "--config", cfg, "backup", "run")["backups"]
    assert {b["kind"]: b["source_version"] for b in first} == dict.fromkeys(KINDS, 4)
    deltalake.write_deltalake(str(built), batch(700, 3), mode="append")
    upload(built, remote_root, "lake/t")
    second = _cli(capsys, "--config", cfg, "backup", "run")["backups"]
    assert {b["kind"]: b["source_version"] for b in second} == dict.fromkeys(KINDS, 5)
    assert {b["kind"]: b["version"] for b in second}["incremental"] == 1, "one version per run"

    listed = _cli(capsys, "--config", cfg, "backup", "list", "--table", source)
    assert len(listed) == 6 and {b["state"] for b in listed} == {"verified"}
    checked = _cli(capsys, "--config", cfg, "backup", "verify", "--read-data")
    assert checked["ok"] and len(checked["backups"]) == 6

    dry = _cli(capsys, "--config", cfg, "backup", "prune", "--dry-run")["policies"]
    real = _cli(capsys, "--config", cfg, "backup", "prune")["policies"]
    assert [[d["id"] for d in p["deleted"]] for p in dry] == [
        [d["id"] for d in p["deleted"]] for p in real
    ]
    assert sorted(d["id"] for p in real for d in p["deleted"]) == sorted(b["id"] for b in first)
    left = _cli(capsys, "--config", cfg, "backup", "list")
    assert sorted(b["id"] for b in left) == sorted(b["id"] for b in second)

    want = read(source, **ds)
    for b in second:
        target = remote_root.join("restored", b["kind"])
        done = _cli(capsys, "--config", cfg, "backup", "restore", b["id"], "--to", target)
        assert done["source_version"] == 5
        assert same_rows(read(target, **ds), want), b["kind"]
    for b in first:  # pruned: their files are gone, not only their entries
        if b["kind"] != "incremental":  # that one shares its table with the kept backup
            path = b["location"].split("/backups/", 1)[1]
            assert not list(remote_root.store("backups").list(path + "/")), b["kind"]
