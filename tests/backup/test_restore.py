"""Backups restore to tables equal to the source at the version the catalog recorded (the
corpus tables, every kind, are in tests/corpus/test_backup.py)."""

from __future__ import annotations

from pathlib import Path

import deltalake
import pytest

from standby.backup import Catalog, policy_targets, restore_backup, run_backups
from standby.errors import BadInput, FilesMissing, TargetNotEmpty
from tests.backup.policies import config_for, policy
from tests.tables.builders import batch, history_table
from tests.tables.reading import read, same_rows

KINDS = ("deep", "shallow", "incremental")


def test_restore_is_at_the_recorded_version_after_the_source_moves_on(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    recorded = read(str(source))
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy(k, [str(source)], kind=k) for k in KINDS])
    made = run_backups(policy_targets(config)).backups
    deltalake.write_deltalake(str(source), batch(500, 7), mode="append")
    catalog = Catalog(str(root))
    for b in made:
        restore_backup([catalog], b.id, str(tmp_path / b.kind))
        assert same_rows(read(str(tmp_path / b.kind)), recorded), b.kind


def test_restore_with_replace_adds_one_version_to_an_existing_table(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy("p", [str(source)])])
    (old,) = run_backups(policy_targets(config)).backups
    recorded = read(str(source))
    deltalake.write_deltalake(str(source), batch(500, 7), mode="append")
    catalog = Catalog(str(root))
    with pytest.raises(TargetNotEmpty):
        restore_backup([catalog], old.id, str(source))
    dry = restore_backup([catalog], old.id, str(source), replace=True, dry_run=True)
    assert dry.target_version is None and deltalake.DeltaTable(str(source)).version() == 5
    done = restore_backup([catalog], old.id, str(source), replace=True)
    assert done.target_version == 6
    assert same_rows(read(str(source)), recorded)


def test_unknown_and_malformed_ids_are_bad_input(tmp_path: Path) -> None:
    catalog = Catalog(str(tmp_path / "backups"))
    with pytest.raises(BadInput, match="No backup"):
        restore_backup([catalog], "20250101T000000Z-00000000", str(tmp_path / "x"))
    with pytest.raises(BadInput, match="not a backup id"):
        restore_backup([catalog], "../../etc", str(tmp_path / "x"))


def test_a_broken_backup_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy("p", [str(source)])])
    (made,) = run_backups(policy_targets(config)).backups
    for part in (root / Catalog(str(root)).get(made.id).path).glob("*.parquet"):  # type: ignore[union-attr]
        part.unlink()
    with pytest.raises(FilesMissing, match=made.id):
        restore_backup([Catalog(str(root))], made.id, str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()
