"""Clone behaviour beyond the corpus sweep: re-clone, refusals, deletion vectors, dry run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import deltalake
import pytest

from standby.delta import DeltaLog, load_snapshot
from standby.errors import TargetNotEmpty
from standby.storage import open_store
from standby.tables import clone
from tests.tables.builders import batch, history_table
from tests.tables.reading import CORPUS, read, same_rows


def test_incremental_reclone_copies_only_new_files(tmp_path: Path) -> None:
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    deltalake.write_deltalake(src, batch(0, 10))
    first = clone(src, dst)
    assert first.num_copied_files == 1
    for start in (10, 20, 30):
        deltalake.write_deltalake(src, batch(start, 10), mode="append")
    again = clone(src, dst, replace=True)
    assert again.num_copied_files == 3 and again.num_added_files == 3
    assert again.target_version == 1
    assert same_rows(read(dst), read(src))
    commit = DeltaLog(open_store(dst)).read_commit(1)
    assert commit.info["operation"] == "CLONE"
    assert commit.info["operationMetrics"]["numCopiedFiles"] == "3"
    same = clone(src, dst, replace=True)  # nothing new: no copy, no commit
    assert same.num_copied_files == 0 and same.target_version == 1


def test_reclone_after_overwrite_removes_what_the_source_dropped(tmp_path: Path) -> None:
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    history_table(src)
    clone(src, dst, version=2)
    result = clone(src, dst, replace=True)
    assert result.num_removed_files == 3
    assert same_rows(read(dst), read(src))


def test_non_empty_target_is_refused_and_untouched(tmp_path: Path) -> None:
    src = str(tmp_path / "src")
    deltalake.write_deltalake(src, batch(0, 3))
    target = tmp_path / "dst"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(TargetNotEmpty):
        clone(src, str(target))
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_dry_run_copies_nothing(tmp_path: Path) -> None:
    src = str(tmp_path / "src")
    history_table(src)
    result = clone(src, str(tmp_path / "dst"), dry_run=True)
    assert result.dry_run and result.num_copied_files > 0 and result.target_version is None
    assert not (tmp_path / "dst").exists()


def test_clone_at_timestamp(tmp_path: Path) -> None:
    src = str(tmp_path / "src")
    stamps = history_table(src)
    result = clone(src, str(tmp_path / "dst"), timestamp=str(stamps[1]))
    assert result.source_version == 1
    assert same_rows(read(str(tmp_path / "dst")), read(src, version=1))


def test_deep_clone_copies_deletion_vector_files(tmp_path: Path) -> None:
    source = CORPUS / "delta-rs" / "table-with-dv-small"
    result = clone(str(source), str(tmp_path / "dst"))
    names = {p.name for p in (tmp_path / "dst").iterdir()}
    assert any(n.startswith("deletion_vector_") for n in names)
    assert result.num_copied_files == 2  # one data file, one DV file
    snap = load_snapshot(DeltaLog(open_store(str(tmp_path / "dst"))))
    (add,) = snap.files.values()
    assert add["deletionVector"]["storageType"] == "u"


def test_absolute_dv_is_copied_in_and_made_relative(tmp_path: Path) -> None:
    """A shallow clone's 'p' deletion vectors become 'u' files of a deep clone of it."""
    source = tmp_path / "src"
    shutil.copytree(CORPUS / "delta-rs" / "table-with-dv-small", source)
    clone(str(source), str(tmp_path / "shallow"), shallow=True)
    shallow = load_snapshot(DeltaLog(open_store(str(tmp_path / "shallow"))))
    (add,) = shallow.files.values()
    assert add["deletionVector"]["storageType"] == "p"
    assert add["path"].startswith("file://")
    clone(str(tmp_path / "shallow"), str(tmp_path / "deep"))
    deep = load_snapshot(DeltaLog(open_store(str(tmp_path / "deep"))))
    (add,) = deep.files.values()
    assert add["deletionVector"]["storageType"] == "u"
    assert not add["path"].startswith("file:")
    shutil.rmtree(source)  # the deep clone stands on its own
    dv_files = list((tmp_path / "deep").glob("deletion_vector_*.bin"))
    assert len(dv_files) == 1 and dv_files[0].stat().st_size >= add["deletionVector"]["sizeInBytes"]
    assert (tmp_path / "deep" / add["path"]).exists()


def test_in_commit_timestamp_tables_get_one_on_clone(tmp_path: Path) -> None:
    source = CORPUS / "delta-rs" / "cdc_ict_table"
    clone(str(source), str(tmp_path / "dst"))
    first = (tmp_path / "dst" / "_delta_log" / f"{0:020d}.json").read_text().splitlines()[0]
    info = json.loads(first)["commitInfo"]
    assert "inCommitTimestamp" in info
    meta = load_snapshot(DeltaLog(open_store(str(tmp_path / "dst")))).metadata
    assert "delta.inCommitTimestampEnablementVersion" not in meta["configuration"]
    assert same_rows(read(str(tmp_path / "dst")), read(str(source)))
