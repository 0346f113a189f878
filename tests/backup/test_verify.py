"""Acceptance 3: a shallow backup whose source was vacuumed is reported broken (exit 1),
naming the source version it needed; and what `--read-data` catches that sizes do not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import deltalake
import pytest

from standby.backup import Catalog, check_backup, policy_targets, run_backups
from standby.backup.catalog import list_backups
from standby.cli import main
from standby.config import Config
from tests.backup.policies import config_for, policy, write_config
from tests.tables.builders import batch, history_table
from tests.tables.reading import CORPUS


def _vacuum_after_overwrite(source: Path) -> None:
    deltalake.write_deltalake(str(source), batch(900, 5), mode="overwrite")
    deltalake.DeltaTable(str(source)).vacuum(
        retention_hours=0, enforce_retention_duration=False, dry_run=False
    )


def test_shallow_backup_of_a_vacuumed_source_is_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    root = tmp_path / "backups"
    kinds = [policy("shallow", [str(source)], kind="shallow"), policy("deep", [str(source)])]
    cfg = write_config(tmp_path, str(root), kinds)
    assert main(["--config", str(cfg), "backup", "run"]) == 0
    assert main(["--config", str(cfg), "backup", "verify"]) == 0
    capsys.readouterr()

    _vacuum_after_overwrite(source)
    assert main(["--json", "--config", str(cfg), "backup", "verify"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    (broken,) = [b for b in report["backups"] if not b["ok"]]
    assert broken["kind"] == "shallow" and broken["source_version"] == 4
    assert broken["problems"] and all(p["kind"] == "missing" for p in broken["problems"])
    assert "version 4" in broken["problems"][0]["detail"]
    assert "vacuumed" in broken["problems"][0]["detail"]
    deep = next(b for b in report["backups"] if b["kind"] == "deep")
    assert deep["ok"], "a deep backup does not depend on the source"

    assert main(["--config", str(cfg), "backup", "verify"]) == 1
    out = capsys.readouterr().out
    assert broken["id"] in out and "source version 4" in out
    states = {b.kind: b.state for b in list_backups([Catalog(str(root))])}
    assert states == {"shallow": "broken", "deep": "verified"}


def _one_backup(tmp_path: Path, source: Path, kind: str = "deep") -> tuple[Config, Catalog]:
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy("p", [str(source)], kind=kind)])
    assert not run_backups(policy_targets(config)).failures
    return config, Catalog(str(root))


def test_read_data_finds_a_corrupt_file_that_sizes_miss(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    _, catalog = _one_backup(tmp_path, source)
    (entry,) = catalog.entries()
    location = catalog.location(entry)
    assert check_backup(entry, location, read_data=True).ok
    part = next((tmp_path / "backups" / entry.path).glob("*.parquet"))
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, different bytes
    data[4:12] = b"\0" * 8
    part.write_bytes(bytes(data))
    assert check_backup(entry, location).ok, "sizes alone cannot see it"
    found = check_backup(entry, location, read_data=True)
    assert not found.ok and found.problems[0].kind == "unreadable"
    assert found.problems[0].path == part.name


def test_read_data_checks_deletion_vector_checksums(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "dv"
    shutil.copytree(CORPUS / "delta-rs" / "table-with-dv-small", source)
    _, catalog = _one_backup(tmp_path, source)
    (entry,) = catalog.entries()
    location = catalog.location(entry)
    assert check_backup(entry, location, read_data=True).ok
    dv = next((tmp_path / "backups" / entry.path).glob("deletion_vector_*.bin"))
    data = bytearray(dv.read_bytes())
    data[10] ^= 0x01
    dv.chmod(0o644)
    dv.write_bytes(bytes(data))
    found = check_backup(entry, location, read_data=True)
    assert [p.kind for p in found.problems] == ["unreadable"]
    assert "checksum" in found.problems[0].detail


def test_a_missing_file_and_a_lost_log_are_problems(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    _, catalog = _one_backup(tmp_path, source, kind="incremental")
    (entry,) = catalog.entries()
    directory = tmp_path / "backups" / entry.path
    next(directory.glob("*.parquet")).unlink()
    found = check_backup(entry, catalog.location(entry))
    assert [p.kind for p in found.problems] == ["missing"]
    shutil.rmtree(directory / "_delta_log")
    found = check_backup(entry, catalog.location(entry))
    assert [p.kind for p in found.problems] == ["log"]
