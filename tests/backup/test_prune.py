"""`backup prune`: incremental sweeps, the last backups of a table, runs still writing."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import deltalake
import pytest

from standby.backup import Catalog, check_backup, policy_targets, prune, run_backups
from standby.backup.journal import PlannedBackup, RunRecord, record_path
from standby.cli import main
from standby.config import load_config
from tests.backup.policies import config_for, policy, write_config
from tests.tables.builders import batch, history_table
from tests.tables.reading import read, same_rows

DAY = 86_400.0


def test_incremental_prune_sweeps_files_only_pruned_versions_need(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    root = tmp_path / "backups"
    config = config_for(
        tmp_path, str(root), [policy("inc", [str(source)], kind="incremental", keep_last=1)]
    )
    for start in (800, 900, None):
        run_backups(policy_targets(config))
        if start is not None:
            deltalake.write_deltalake(str(source), batch(start, 4), mode="overwrite")
    table_dir = root / Catalog(str(root)).entries()[0].path
    before = sorted(p.name for p in table_dir.glob("*.parquet"))
    assert len(before) == 3

    (result,) = [prune(p, str(root)) for p in config.backups.policies]
    assert len(result.deleted) == 2 and len(result.kept) == 1
    (sweep,) = result.swept
    assert len(sweep.files) == 2 and not sweep.whole
    (kept,) = Catalog(str(root)).entries()
    assert kept.version == 2
    assert len(list(table_dir.glob("*.parquet"))) == 1
    assert check_backup(kept, str(table_dir), read_data=True).ok
    assert same_rows(read(str(table_dir), version=2), read(str(source)))


def test_prune_refuses_to_leave_a_table_without_a_backup_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    root = tmp_path / "backups"
    cfg = write_config(tmp_path, str(root), [policy("p", [str(source)], keep_within="1h")])
    config = load_config(cfg)
    for days_ago in (10, 9):  # both long outside keep_within
        run_backups(policy_targets(config), clock=lambda d=days_ago: time.time() - d * DAY)
    (p,) = config.backups.policies
    assert [k.reasons for k in prune(p, str(root), dry_run=True).kept] == [["newest verified"]]

    for e in Catalog(str(root)).entries():  # both broken: none is worth keeping by itself
        for part in (root / e.path).glob("*.parquet"):
            part.unlink()
    assert main(["--config", str(cfg), "backup", "verify"]) == 1
    capsys.readouterr()
    assert main(["--config", str(cfg), "backup", "prune"]) == 5
    assert "every backup of" in capsys.readouterr().err
    assert len(Catalog(str(root)).entries()) == 2
    assert main(["--json", "--config", str(cfg), "backup", "prune", "--force"]) == 0
    assert len(json.loads(capsys.readouterr().out)["policies"][0]["deleted"]) == 2
    assert Catalog(str(root)).entries() == []
    assert not any(p.is_file() for p in (root / "lake").rglob("*"))


def _leftover_run(root: Path, *, status: str) -> Path:
    directory = root / "lake" / "t" / "20250101T000000Z-0badf00d"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "part-0.parquet").write_bytes(b"half")
    (directory / ".part-1.parquet.1234.tmp").write_bytes(b"a copy killed mid-way")
    now = int(time.time() * 1000)
    record = RunRecord(
        id="20250101T000000Z-00000001",
        policy="p",
        host=socket.gethostname(),
        pid=os.getpid(),
        started=now,
        updated=now,
        status=status,  # type: ignore[arg-type]
        backups=[
            PlannedBackup(
                id="20250101T000000Z-0badf00d",
                table="t",
                kind="deep",
                path="lake/t/20250101T000000Z-0badf00d",
            )
        ],
    )
    Catalog(str(root)).store.put(record_path(record.id, "p"), record.model_dump_json().encode())
    return directory


def test_a_run_that_may_still_be_writing_is_left_alone(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy("p", [str(source)])])
    (p,) = config.backups.policies
    directory = _leftover_run(root, status="running")  # this very process: alive
    result = prune(p, str(root))
    assert result.live_runs == ["20250101T000000Z-00000001"] and result.leftovers == []
    assert (directory / "part-0.parquet").exists()

    _leftover_run(root, status="failed")
    result = prune(p, str(root))
    assert [x.files for x in result.leftovers] == [2], "the killed copy's temporary counts"
    assert not directory.exists() and not (root / "lake").exists(), "no empty directories left"
