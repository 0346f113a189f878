"""Backups of every corpus table, of every kind, restore to tables that hold what the source
held at the version the catalog recorded (the same rows where deltalake reads it, and always
the same live files with the same bytes), or the backup fails as the manifest says, making
no backup."""

from __future__ import annotations

from pathlib import Path

import deltalake
import pytest

from standby.backup import Catalog, policy_targets, restore_backup, run_backups
from tests.backup.policies import config_for, policy
from tests.corpus.manifest import Expectation, refusing, working
from tests.corpus.snapshots import assert_same_snapshot
from tests.tables.reading import read, same_rows

KINDS = ("deep", "shallow", "incremental")


@pytest.mark.parametrize("e", working("backup"))
def test_backups_restore_to_what_the_source_held(e: Expectation, tmp_path: Path) -> None:
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy(k, [e.uri], kind=k) for k in KINDS])
    result = run_backups(policy_targets(config))
    assert not result.failures, result.failures
    assert {b.kind for b in result.backups} == set(KINDS)
    catalog = Catalog(str(root))
    for made in result.backups:
        entry = catalog.get(made.id)
        assert entry is not None and entry.source_version == made.source_version
        target = tmp_path / f"restored-{made.kind}"
        restore_backup([catalog], made.id, str(target))
        assert_same_snapshot(e.uri, str(target), version=entry.source_version, new_table=True)
        if e.read == "deltalake":
            assert entry.source_version == deltalake.DeltaTable(e.uri).version()
            assert same_rows(read(str(target)), read(e.uri)), made.kind


@pytest.mark.parametrize("e", refusing("backup"))
def test_backup_fails_as_the_manifest_says(e: Expectation, tmp_path: Path) -> None:
    expected = e.refusal("backup")
    assert expected
    refusal, _, words = expected.partition(": ")
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy(k, [e.uri], kind=k) for k in KINDS])
    result = run_backups(policy_targets(config))
    assert not result.backups and len(result.failures) == len(KINDS)
    for failure in result.failures:
        assert failure.error_type == refusal, failure.error
        assert all(w in failure.error for w in words.split(", ") if words), failure.error
