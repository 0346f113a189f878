"""Acceptance 1: every corpus table deltalake can read, replicated (from the latest
checkpoint, and with all its history), reads identically at its latest version and at
every version from complete_from on, and `verify --against` passes. The tables it cannot
read are replicated just as well (verified against the source) or refused with exit 2
or 5 and a one-paragraph reason, with no commit published."""

from __future__ import annotations

import json
from pathlib import Path

import deltalake
import pytest

from standby.cli import main
from tests.tables.reading import corpus_tables, read, readable, same_rows, table_id

TABLES = corpus_tables()
READABLE = [t for t in TABLES if readable(t)]
UNREADABLE = [t for t in TABLES if t not in READABLE]


def _replicate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = main(["--json", "replicate", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, json.loads(out.out) if out.out.strip() else {}, out.err


def _read_or_none(uri: str, version: int) -> object:
    try:
        return read(uri, version)
    except Exception:  # deltalake cannot read this version of the source either
        return None


def test_the_corpus_has_both_kinds() -> None:
    assert len(READABLE) >= 30 and len(UNREADABLE) >= 5, (len(READABLE), len(UNREADABLE))


@pytest.mark.parametrize("history", ["checkpoint", "all"])
@pytest.mark.parametrize("table", READABLE, ids=table_id)
def test_replica_reads_identically_at_every_version(
    table: Path, history: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dst = str(tmp_path / "replica")
    code, doc, err = _replicate(capsys, "--history", history, str(table), dst)
    assert code == 0, err
    (result,) = doc["tables"]
    latest = deltalake.DeltaTable(str(table)).version()
    assert result["to_version"] == latest == deltalake.DeltaTable(dst).version()
    assert same_rows(read(dst), read(str(table)))
    compared = 0
    for version in range(result["complete_from"], latest + 1):
        want = _read_or_none(str(table), version)
        if want is None:
            continue
        assert same_rows(read(dst, version), want), f"version {version}"  # type: ignore[arg-type]
        compared += 1
    assert compared >= 1
    capsys.readouterr()
    assert main(["verify", "--against", str(table), dst]) == 0, capsys.readouterr().out
    again_code, again, _ = _replicate(capsys, "--history", history, str(table), dst)
    assert again_code == 0
    assert (again["tables"][0]["files_copied"], again["tables"][0]["commits_published"]) == (0, 0)


@pytest.mark.parametrize("table", UNREADABLE, ids=table_id)
def test_tables_deltalake_cannot_read_are_replicated_exactly_or_refused_cleanly(
    table: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dst = tmp_path / "replica"
    code, _, err = _replicate(capsys, "--history", "all", str(table), str(dst))
    if code == 0:  # replication needs no reader: the log and the files are copied as they are
        capsys.readouterr()
        assert main(["verify", "--against", str(table), str(dst)]) == 0, capsys.readouterr().out
        return
    assert code in (2, 5), err
    assert err.startswith("error: ") and len(err.strip().splitlines()) <= 3, err
    published = list((dst / "_delta_log").glob("*.json")) if dst.exists() else []
    assert not published, f"refused, yet published {published}"
