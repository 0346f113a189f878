"""Restore by version and by timestamp (acceptance 3), and its refusals."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import deltalake
import pytest

from standby.cli import main
from standby.errors import FilesMissing, TimestampOutOfRange, UnsupportedFeature, VersionNotFound
from standby.tables import clone, restore
from tests.servers import Root
from tests.tables.builders import history_table
from tests.tables.reading import read, same_rows
from tests.uploads import upload


def test_restore_by_version_reads_like_that_version(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    for version in (1, 2, 0, 3):
        result = restore(uri, version=version)
        assert result.new_version is not None
        assert same_rows(read(uri), read(uri, version=version))


def test_restore_by_timestamp_resolves_from_the_log(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    stamps = history_table(uri)
    between = stamps[1] + (stamps[2] - stamps[1]) // 2
    result = restore(uri, timestamp=str(between))
    assert result.restored_to == 1
    assert same_rows(read(uri), read(uri, version=1))


def test_timestamp_on_a_copy_with_new_mtimes_resolves_the_same_version(tmp_path: Path) -> None:
    original = tmp_path / "orig"
    stamps = history_table(str(original))
    copy = tmp_path / "copy"
    shutil.copytree(original, copy, copy_function=shutil.copyfile)
    for path in copy.rglob("*"):  # every file now looks written a day later, in reverse order
        os.utime(path, (2_000_000_000 - len(str(path)), 2_000_000_000 - len(str(path))))
    at = str(stamps[2] + 1)
    a = restore(str(original), timestamp=at, dry_run=True)
    b = restore(str(copy), timestamp=at, dry_run=True)
    assert a.restored_to == b.restored_to == 2


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    before = sorted(p.name for p in (tmp_path / "t" / "_delta_log").iterdir())
    result = restore(uri, version=1, dry_run=True)
    assert result.dry_run and result.new_version is None and result.num_restored_files > 0
    assert sorted(p.name for p in (tmp_path / "t" / "_delta_log").iterdir()) == before


def test_restore_commit_records_the_operation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    result = restore(uri, version=2)
    capsys.readouterr()
    assert main(["--json", "table", "history", uri, "--limit", "1"]) == 0
    (newest,) = json.loads(capsys.readouterr().out)
    assert newest["version"] == result.new_version
    assert newest["operation"] == "RESTORE"
    assert newest["operation_parameters"]["version"] == "2"  # as Delta records it: a string
    # and so deltalake reads it too
    assert deltalake.DeltaTable(uri).history(1)[0]["operation"] == "RESTORE"


def test_errors_write_nothing(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    stamps = history_table(uri)
    log_dir = tmp_path / "t" / "_delta_log"
    before = sorted(p.name for p in log_dir.iterdir())
    with pytest.raises(VersionNotFound):
        restore(uri, version=99)
    with pytest.raises(TimestampOutOfRange):
        restore(uri, timestamp=str(stamps[0] - 60_000))
    live = set(deltalake.DeltaTable(uri).file_uris())
    gone = [f for f in deltalake.DeltaTable(uri, version=1).file_uris() if f not in live]
    Path(gone[0].removeprefix("file://")).unlink()  # what VACUUM does to an old version
    with pytest.raises(FilesMissing, match="vacuumed"):
        restore(uri, version=1)
    assert sorted(p.name for p in log_dir.iterdir()) == before


def test_a_timestamp_after_the_latest_commit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = str(tmp_path / "t")
    stamps = history_table(uri)
    log_dir = tmp_path / "t" / "_delta_log"
    before = sorted(p.name for p in log_dir.iterdir())
    with pytest.raises(TimestampOutOfRange, match="after the latest commit"):
        restore(uri, timestamp=str(stamps[-1] + 1))
    assert main(["--json", "table", "restore", uri, "--timestamp", str(stamps[-1] + 60_000)]) == 2
    assert "after the latest commit" in json.loads(capsys.readouterr().out)["error"]["message"]
    with pytest.raises(TimestampOutOfRange, match="after the latest commit"):
        clone(uri, str(tmp_path / "c"), timestamp=str(stamps[-1] + 1))  # time travel, as Delta
    assert sorted(p.name for p in log_dir.iterdir()) == before
    assert not (tmp_path / "c").exists()
    assert restore(uri, timestamp=str(stamps[-1])).restored_to == 4  # the instant itself is fine


@pytest.mark.parametrize("feature", ["catalogManaged", "someFutureWriterFeature"])
def test_unsupported_writer_feature_is_refused(tmp_path: Path, feature: str) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    log_dir = tmp_path / "t" / "_delta_log"
    (log_dir / f"{5:020d}.json").write_text(
        '{"commitInfo":{"timestamp":1,"operation":"UPGRADE"}}\n'
        '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[],'
        f'"writerFeatures":["{feature}"]}}}}\n'
    )
    with pytest.raises(UnsupportedFeature, match=feature):
        restore(uri, version=1)
    assert not (log_dir / f"{6:020d}.json").exists()


def test_restore_and_clone_on_every_backend(remote_root: Root, tmp_path: Path) -> None:
    """Acceptance 3 on local, S3 (moto) and Azure (Azurite): the environment carries the
    credentials, as it would for a user."""
    stamps = history_table(str(tmp_path / "built"))
    uri = upload(tmp_path / "built", remote_root, "t")
    opts = remote_root.storage_options or None
    ds: dict[str, Any] = {"storage_options": opts} if opts else {}
    want = {v: read(uri, version=v, **ds) for v in (1, 2)}
    result = restore(uri, version=1)
    assert result.new_version == 5
    assert same_rows(read(uri, **ds), want[1])
    at = stamps[2] + (stamps[3] - stamps[2]) // 2
    assert restore(uri, timestamp=str(at)).restored_to == 2
    assert same_rows(read(uri, **ds), want[2])
    copy = remote_root.join("copy")
    clone(uri, copy, version=2)
    assert same_rows(read(copy, **ds), want[2])
