"""safe-point on the named shapes of a torn copy, and what --repair --force leaves behind.

The generated table has versions 0 to 14, classic checkpoints at 5 and 10, and a
`_last_checkpoint` naming 10; its files come and go (appends, an overwrite, deletes).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import deltalake
import pytest

from standby.cli import main
from standby.integrity import safe_point, verify
from tests.servers import Root
from tests.tables.builders import checkpointed_table, history_table
from tests.tables.reading import CORPUS, read, same_rows
from tests.uploads import upload

KERNEL = CORPUS.parent / "corpus-kernel"


def commit(v: int) -> str:
    return f"_delta_log/{v:020d}.json"


def checkpoint(v: int) -> str:
    return f"_delta_log/{v:020d}.checkpoint.parquet"


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("original") / "t"
    checkpointed_table(str(path))
    return path


@pytest.fixture
def torn(original: Path, tmp_path: Path) -> Callable[..., Path]:
    """A copy of a table without the given paths (the generated one unless told)."""

    def make(*missing: str, source: Path = original) -> Path:
        copy = tmp_path / f"copy-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(source, copy)
        for path in missing:
            (copy / path).unlink()
        return copy

    return make


def added_by(table: Path, version: int) -> list[str]:
    lines = (table / commit(version)).read_text().splitlines()
    return [json.loads(x)["add"]["path"] for x in lines if '"add"' in x]


def repaired_reads_as(copy: Path, original: Path, version: int) -> None:
    """After --repair --force, deltalake opens the copy at exactly `version`, with its rows."""
    safe_point(str(copy), repair=True, force=True)
    assert deltalake.DeltaTable(str(copy)).version() == version
    assert same_rows(read(str(copy)), read(str(original), version=version))


def test_a_missing_middle_commit_keeps_the_versions_before_it(
    torn: Callable[..., Path], original: Path
) -> None:
    copy = torn(commit(12))
    found = safe_point(str(copy))
    assert (found.version, found.complete_from, found.torn_versions) == (11, 0, [13, 14])
    assert [(p.kind, p.path) for p in found.problems if p.kind == "commit_missing"] == [
        ("commit_missing", commit(12))
    ]
    repaired_reads_as(copy, original, 11)


def test_a_missing_middle_commit_without_checkpoints(tmp_path: Path) -> None:
    history_table(str(tmp_path / "t"))
    (tmp_path / "t" / commit(2)).unlink()
    found = safe_point(str(tmp_path / "t"))
    assert (found.version, found.torn_versions) == (1, [3, 4])
    report = verify(str(tmp_path / "t"))  # an AssertionError before
    assert not report.ok and report.problems[0].path == commit(2)


def test_commits_before_a_checkpoint_missing(torn: Callable[..., Path], original: Path) -> None:
    copy = torn(commit(2), commit(3))
    found = safe_point(str(copy))
    # 0 and 1 from commit 0; 2 to 4 from nothing; 5 on from the checkpoint of 5.
    assert (found.version, found.complete_from, found.torn_versions) == (14, 5, [])
    assert deltalake.DeltaTable(str(copy)).version() == 14  # nothing to repair for readers
    assert [p.path for p in verify(str(copy)).problems] == [commit(2)]


def test_commits_after_a_checkpoint_missing(torn: Callable[..., Path], original: Path) -> None:
    found = safe_point(str(torn(commit(6))))
    assert (found.version, found.complete_from) == (14, 10)  # the checkpoint of 10 takes over
    copy = torn(commit(11))
    found = safe_point(str(copy))
    assert (found.version, found.torn_versions) == (10, [12, 13, 14])
    repaired_reads_as(copy, original, 10)


def test_a_checkpoint_missing_a_part(torn: Callable[..., Path]) -> None:
    source = KERNEL / "v1-multi-part-struct-stats-only"
    part = "_delta_log/00000000000000000005.checkpoint.0000000002.0000000003.parquet"
    copy = torn(part, source=source)
    with pytest.raises(Exception, match="checkpoint"):
        deltalake.DeltaTable(str(copy))  # _last_checkpoint names the torn checkpoint
    found = safe_point(str(copy))
    assert found.version == 5  # commits 0 to 5 are all there
    assert {(p.kind, p.path) for p in found.problems} >= {
        ("checkpoint_incomplete", part),
        ("last_checkpoint", "_delta_log/_last_checkpoint"),
    }
    safe_point(str(copy), repair=True, force=True)
    assert deltalake.DeltaTable(str(copy)).version() == 5


def test_a_checkpoint_part_and_a_commit_before_it_missing(torn: Callable[..., Path]) -> None:
    source = KERNEL / "v1-multi-part-struct-stats-only"
    part = "_delta_log/00000000000000000005.checkpoint.0000000001.0000000003.parquet"
    copy = torn(part, commit(3), source=source)
    assert safe_point(str(copy)).version == 2
    safe_point(str(copy), repair=True, force=True)
    assert deltalake.DeltaTable(str(copy)).version() == 2


def test_a_v2_checkpoint_missing_a_sidecar(torn: Callable[..., Path]) -> None:
    source = KERNEL / "v2-checkpoints-parquet-with-sidecars"
    sidecar = next((source / "_delta_log" / "_sidecars").glob("00000000000000000006.*.parquet"))
    copy = torn(str(sidecar.relative_to(source)), source=source)
    with pytest.raises(Exception, match="not found"):
        deltalake.DeltaTable(str(copy))  # readers take the newest checkpoint, and fail
    found = safe_point(str(copy))
    assert found.version == 6
    assert ("checkpoint_incomplete", str(sidecar.relative_to(source))) in {
        (p.kind, p.path) for p in found.problems
    }
    safe_point(str(copy), repair=True, force=True)
    assert deltalake.DeltaTable(str(copy)).version() == 6


def test_the_data_of_the_newest_commit_missing(torn: Callable[..., Path], original: Path) -> None:
    added = added_by(original, 13)
    copy = torn(*added)
    found = safe_point(str(copy))
    assert (found.version, found.torn_versions) == (12, [13, 14])
    assert {p.path for p in found.problems} == set(added)
    repaired_reads_as(copy, original, 12)


def test_a_truncated_data_file_is_not_whole(torn: Callable[..., Path], original: Path) -> None:
    copy = torn()
    data = copy / added_by(original, 14)[0]
    data.write_bytes(data.read_bytes()[:-1])
    found = safe_point(str(copy))
    assert found.version == 13 and [p.kind for p in found.problems] == ["size"]


def test_last_checkpoint_naming_a_missing_checkpoint(
    torn: Callable[..., Path], original: Path
) -> None:
    copy = torn(checkpoint(10))
    with pytest.raises(Exception, match="_last_checkpoint"):
        deltalake.DeltaTable(str(copy))
    found = safe_point(str(copy))
    assert (found.version, found.torn_versions) == (14, [])
    assert [p.kind for p in found.problems] == ["last_checkpoint"]
    assert not verify(str(copy)).ok
    moved = safe_point(str(copy), repair=True, force=True).quarantined
    assert moved == ["_delta_log/_last_checkpoint"]
    assert deltalake.DeltaTable(str(copy)).version() == 14


def test_repair_moves_newer_checkpoints_and_the_hint_aside(
    torn: Callable[..., Path], original: Path
) -> None:
    # Commit 11 gone: 12 on cannot be rebuilt; the data of 9 gone: neither 9 nor 10 is whole.
    copy = torn(commit(11), *added_by(original, 9))
    plan = safe_point(str(copy), dry_run=True)
    assert plan.version == 8
    assert plan.quarantined == [
        "_delta_log/_last_checkpoint",
        checkpoint(10),
        *(commit(v) for v in (14, 13, 12, 10, 9)),
    ]
    assert (copy / checkpoint(10)).exists()  # a dry run moves nothing
    repaired_reads_as(copy, original, 8)


def test_cli_safe_point_dry_run_repair_and_exit_codes(
    torn: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    copy = torn(commit(12))
    assert main(["--json", "safe-point", str(copy), "--dry-run"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 11 and commit(14) in doc["quarantined"]
    assert (copy / commit(14)).exists()
    assert main(["safe-point", str(copy), "--repair"]) == 5  # --force is needed
    assert main(["verify", str(copy)]) == 1  # the gap at 12 is a finding
    assert main(["--json", "safe-point", str(copy), "--repair", "--force"]) == 0
    assert main(["verify", str(copy)]) == 0  # versions 0 to 11, all there
    assert deltalake.DeltaTable(str(copy)).version() == 11


def test_safe_point_and_repair_on_every_backend(
    remote_root: Root, original: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    (copy / commit(12)).unlink()
    (copy / checkpoint(10)).unlink()
    uri = upload(copy, remote_root, "t")
    found = safe_point(uri)
    assert (found.version, found.complete_from) == (11, 0)
    safe_point(uri, repair=True, force=True)
    opts = remote_root.storage_options or None
    table = deltalake.DeltaTable(uri, storage_options=opts)
    assert table.version() == 11
    assert same_rows(table.to_pyarrow_table(), read(str(original), version=11))


def test_no_whole_version_is_a_finding_and_repair_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history_table(str(tmp_path / "t"))
    (tmp_path / "t" / commit(0)).unlink()  # no checkpoint either: nothing rebuilds
    before = sorted(p.name for p in (tmp_path / "t" / "_delta_log").iterdir())
    assert main(["--json", "safe-point", str(tmp_path / "t"), "--dry-run"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] is None and "no_version" in {p["kind"] for p in doc["problems"]}
    assert main(["safe-point", str(tmp_path / "t"), "--repair", "--force"]) == 5
    assert sorted(p.name for p in (tmp_path / "t" / "_delta_log").iterdir()) == before
