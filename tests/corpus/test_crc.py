"""`.crc` files are hints: malformed ones (the corpus's crc-malformed holds one) change
nothing. Every operation on a table whose every version has a malformed `.crc` gives what
it gives on the table itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from standby.integrity import safe_point, verify
from standby.replication import replicate_table
from standby.tables import clone, history, restore
from tests.corpus.manifest import BY_NAME, copy_table
from tests.corpus.snapshots import assert_same_snapshot

MALFORMED = BY_NAME["corpus-kernel/crc-malformed"].path / "_delta_log" / f"{0:020d}.crc"
TABLES = ["corpus-kernel/v2-checkpoints-json-with-sidecars", "corpus-kernel/table-with-dv-small"]


def _with_malformed_crcs(name: str, to: Path) -> Path:
    table = copy_table(BY_NAME[name], to)
    log = table / "_delta_log"
    for commit in log.glob("*.json"):
        if commit.name[:20].isdigit() and len(commit.name) == 25:
            (log / f"{commit.name[:20]}.crc").write_bytes(MALFORMED.read_bytes())
    (log / "00000000000000000000.crc").write_bytes(b'{"tableSizeBytes": 12, "numFi')  # torn
    return table


@pytest.mark.parametrize("name", TABLES)
def test_malformed_crc_files_change_nothing(name: str, tmp_path: Path) -> None:
    assert MALFORMED.read_bytes().strip() == b"malformed"
    source = BY_NAME[name].uri
    table = _with_malformed_crcs(name, tmp_path / "t")
    assert len(list((table / "_delta_log").glob("*.crc"))) >= 2
    assert [h.version for h in history(str(table))] == [h.version for h in history(source)]
    assert verify(str(table)).ok and safe_point(str(table)).version == safe_point(source).version
    for mode in ("checkpoint", "all"):
        replica = tmp_path / f"replica-{mode}"
        replicate_table(str(table), str(replica), history=mode)  # type: ignore[arg-type]
        assert_same_snapshot(source, str(replica), new_table=False)
        assert verify(str(replica), against=str(table)).ok
    clone(str(table), str(tmp_path / "deep"))
    assert_same_snapshot(source, str(tmp_path / "deep"), new_table=True)
    restore(str(table), version=history(source)[-1].version)
    assert_same_snapshot(
        source, str(table), version=history(source)[-1].version, new_table=False, restored=True
    )
