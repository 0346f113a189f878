"""The manifest covers the corpora exactly, and its readability split is still true: a
table that deltalake starts or stops reading fails here, not silently elsewhere."""

from __future__ import annotations

import deltalake
import pytest

from tests.corpus.manifest import BY_NAME, TABLES, Expectation, everything, on_disk


def test_every_table_of_the_corpora_has_an_entry_and_every_entry_a_table() -> None:
    disk = set(on_disk())
    listed = set(BY_NAME)
    assert not disk - listed, f"tables with no manifest entry: {sorted(disk - listed)}"
    assert not listed - disk, f"entries with no table: {sorted(listed - disk)}"
    assert len(TABLES) == len(listed) >= 110
    kernel = [e for e in TABLES if e.name.startswith("corpus-kernel/")]
    assert len(kernel) >= 55 and len([e for e in kernel if e.read == "snapshot"]) >= 25


@pytest.mark.parametrize("e", everything())
def test_deltalake_reads_exactly_the_tables_the_manifest_says(e: Expectation) -> None:
    try:
        deltalake.DeltaTable(e.uri).to_pyarrow_table()
        readable = True
    except Exception:
        readable = False
    assert readable == (e.read == "deltalake"), f"{e.name} changed side ({e.why or 'readable'})"
    if e.read != "deltalake":
        assert e.why, "say why deltalake cannot read it"
