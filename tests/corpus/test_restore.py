"""Every corpus table (a copy) restored to its earliest version holds what the source held
then (the same rows where deltalake reads that version, and always the same live files
with the same bytes), or the restore is refused as the manifest says, writing nothing."""

from __future__ import annotations

from pathlib import Path

import deltalake
import pytest

from standby.delta import DeltaLog
from standby.delta.snapshot import reconstructable
from standby.storage import open_store
from standby.tables import restore
from tests.corpus.manifest import Expectation, assert_refused, copy_table, refusing, working
from tests.corpus.snapshots import assert_same_snapshot
from tests.tables.reading import read, same_rows


def _earliest(uri: str) -> int:
    span = reconstructable(DeltaLog(open_store(uri)).list())
    assert span is not None
    return span[0]


@pytest.mark.parametrize("e", working("restore"))
def test_restore_to_the_earliest_version_holds_what_the_source_held(
    e: Expectation, tmp_path: Path
) -> None:
    table = copy_table(e, tmp_path / "t")
    version = _earliest(e.uri)
    latest = DeltaLog(open_store(str(table))).list().latest
    result = restore(str(table), version=version)
    assert result.restored_to == version
    assert result.new_version in (None, (latest or 0) + 1)
    assert_same_snapshot(e.uri, str(table), version=version, new_table=False, restored=True)
    if e.read == "deltalake":
        try:
            want = read(e.uri, version=version)
        except Exception:  # deltalake cannot read this old version of the source
            return
        assert same_rows(read(str(table)), want)
        assert deltalake.DeltaTable(str(table)).version() == (result.new_version or latest)


@pytest.mark.parametrize("e", refusing("restore"))
def test_restore_is_refused_as_the_manifest_says(e: Expectation, tmp_path: Path) -> None:
    expected = e.refusal("restore")
    assert expected
    table = copy_table(e, tmp_path / "t")
    before = sorted(p.relative_to(table) for p in table.rglob("*"))
    assert_refused(expected, lambda: restore(str(table), version=0), target=None)
    assert sorted(p.relative_to(table) for p in table.rglob("*")) == before
