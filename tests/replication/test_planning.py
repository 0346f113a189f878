"""A batch of commits is planned in Python when small, in Arrow columns when large: both
plans name the same files, and a replica made either way is the same replica."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import deltalake
import pytest

from standby.delta import Commit, DeltaLog
from standby.delta.files import FileAction
from standby.errors import UnsupportedFeature
from standby.replication import columns, replicate_table, replicator
from standby.replication.files import commits_files, split_absent
from standby.storage import open_store
from tests.delta.test_protocol import FROM_ZERO
from tests.replication._support import assert_valid_replica, grow


def _commits(table: Path) -> list[tuple[int, bytes]]:
    log = DeltaLog(open_store(str(table)))
    listing = log.list()
    return [(v, log.store.get(f.path)) for v, f in sorted(listing.commits.items())]


def _as_set(files: list[FileAction]) -> set[tuple[str, int | None, str, bool]]:
    return {(f.path, f.size, f.kind, f.relative) for f in files}


@pytest.mark.parametrize("log_dir", FROM_ZERO, ids=lambda p: p.parent.name)
def test_python_and_columnar_plans_name_the_same_files(log_dir: Path) -> None:
    commits = _commits(log_dir.parent)
    checked: list[list[int]] = [[], []]

    def plan(how: int) -> set[tuple[str, int | None, str, bool]] | type[Exception]:
        def check(commit: Commit) -> None:
            checked[how].append(commit.version)

        try:
            if how == 0:
                return _as_set(commits_files(commits, table="t", check=check))
            return _as_set(columns.commits_fileset(commits, table="t", check=check).actions())
        except UnsupportedFeature:  # a table with files outside it: both refuse it
            return UnsupportedFeature

    assert plan(0) == plan(1)
    assert checked[0] == checked[1]


def test_a_replica_planned_in_columns_equals_one_planned_in_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = str(tmp_path / "src")
    grow(source, 6)
    deltalake.DeltaTable(source).delete("id % 3 = 0")
    small = replicate_table(source, str(tmp_path / "python"), history="all")
    monkeypatch.setattr(replicator, "SMALL_LOG_BYTES", 0)  # every batch in columns
    large = replicate_table(source, str(tmp_path / "columns"), history="all")
    strip = dict(seconds=0, target="")
    assert dataclasses.replace(small, **strip) == dataclasses.replace(large, **strip)
    for name in ("python", "columns"):
        assert_valid_replica(source, str(tmp_path / name))


def test_split_absent_finds_every_file_the_source_lacks_from_one_listing(
    tmp_path: Path,
) -> None:
    store = open_store(str(tmp_path))
    files = [FileAction(f"p/f{i}.parquet", 10, "data", True) for i in range(300)]
    for f in files:
        (tmp_path / "p").mkdir(exist_ok=True)
        (tmp_path / f.path).write_bytes(b"x" * 10)
    for f in files[:5]:
        (tmp_path / f.path).unlink()  # vacuumed
    (tmp_path / files[5].path).write_bytes(b"x" * 3)  # another file by the same name

    kept, gone = split_absent(files, store)

    assert gone == [f.path for f in files[:6]]
    assert kept == files[6:]
