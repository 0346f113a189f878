"""Acceptance 4: a deleted, truncated or byte-flipped file in a replica is named by
`verify --read-data`, every one of them, exit 1; a deleted one by plain `verify`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from standby.cli import main
from standby.delta import DeltaLog, load_snapshot
from standby.delta.snapshot import object_path
from standby.replication import replicate_table
from standby.storage import open_store
from tests.replication._support import grow
from tests.tables.reading import CORPUS


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, str]]:
    capsys.readouterr()
    code = main(["--json", "verify", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    doc = json.loads(out.out)
    return code, {p["path"]: p["kind"] for p in doc["problems"]}


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture
def replica(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 6)
    replicate_table(str(source), str(replica), history="all")
    snapshot = load_snapshot(DeltaLog(open_store(str(replica))))
    files = sorted(object_path(f.path) for f in snapshot.referenced_files())
    return source, replica, files


def test_every_damaged_file_is_named(
    replica: tuple[Path, Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    source, dst, files = replica
    assert _verify(capsys, "--read-data", str(dst)) == (0, {})
    deleted, truncated, flipped_middle, flipped_footer = files[0], files[5], files[10], files[15]
    (dst / deleted).unlink()
    with open(dst / truncated, "r+b") as f:
        f.truncate((dst / truncated).stat().st_size // 2)
    _flip(dst / flipped_middle, (dst / flipped_middle).stat().st_size // 2)
    _flip(dst / flipped_footer, (dst / flipped_footer).stat().st_size - 10)

    code, problems = _verify(capsys, "--read-data", str(dst))

    assert code == 1
    assert problems == {
        deleted: "missing",
        truncated: "size",
        flipped_middle: "content",
        flipped_footer: "content",
    }
    code, against = _verify(capsys, "--read-data", "--against", str(source), str(dst))
    assert (code, against) == (1, problems)


def test_without_a_source_a_broken_footer_is_still_found(
    replica: tuple[Path, Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, dst, files = replica
    shutil.rmtree(dst / "_standby")  # no state: no source to hash against
    _flip(dst / files[3], (dst / files[3]).stat().st_size - 6)  # in the footer's length

    code, problems = _verify(capsys, "--read-data", str(dst))

    assert (code, problems) == (1, {files[3]: "unreadable"})


def test_plain_verify_names_a_deleted_file(
    replica: tuple[Path, Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, dst, files = replica
    assert _verify(capsys, str(dst)) == (0, {})
    (dst / files[7]).unlink()
    with open(dst / files[8], "r+b") as f:
        f.truncate(3)

    code, problems = _verify(capsys, str(dst))

    assert (code, problems) == (1, {files[7]: "missing", files[8]: "size"})


def test_a_tampered_commit_is_named_against_the_source(
    replica: tuple[Path, Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    source, dst, _ = replica
    commit = dst / "_delta_log" / f"{3:020d}.json"
    commit.write_bytes(commit.read_bytes().replace(b'"dataChange":true', b'"dataChange":false', 1))

    code, problems = _verify(capsys, "--against", str(source), str(dst))

    assert (code, problems) == (1, {f"_delta_log/{3:020d}.json": "commit_differs"})


def test_a_damaged_deletion_vector_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = CORPUS / "delta-rs" / "table-with-dv-small"
    dst = tmp_path / "dst"
    replicate_table(str(source), str(dst))
    dv = next(dst.glob("deletion_vector_*.bin"))
    _flip(dv, dv.stat().st_size // 2)

    code, problems = _verify(capsys, "--read-data", str(dst))

    assert (code, problems) == (1, {dv.name: "content"})
