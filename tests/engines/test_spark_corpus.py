"""Acceptance 1 of scale-out: every corpus table deltalake can read, replicated (all its
history) and deep-cloned with `--engine spark`, reads identically to the source at every
version the copy holds, and `verify --against` passes; the same from S3 to S3 on moto.

On moto the rows are compared at the latest version, and every other version by `verify
--against`: each commit byte-identical to the source's and every file it references
present at its size, so each version is made of the same bytes as the source's (reading
every version through moto would double the suite's Spark time for no more certainty).

The commands run as users run them (`standby --json ... --engine spark`), in-process, on
the session's local[2] SparkSession, which the CLI finds active.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import deltalake
import pytest

from standby.cli import main
from tests.corpus.manifest import tables
from tests.engines.spark_session import SparkHandle
from tests.servers import Root
from tests.tables.reading import read, same_rows
from tests.uploads import upload

# The first corpus's tables that deltalake reads and standby copies, by the manifest (the
# kernel corpus is left to the thread engine's tests: Spark's time is the suite's costliest).
READABLE = [
    e.path
    for e in tables(read=("deltalake",))
    if e.name.startswith("corpus/") and not e.refusal("replicate") and not e.refusal("clone")
]


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    code = main(["--json", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out) if out.out.strip() else {}


def _read(uri: str, version: int | None, options: dict[str, str]) -> Any:
    try:
        return read(uri, version, storage_options=options)
    except Exception:  # deltalake cannot read this version of the source either
        return None


def _same_at_every_version(
    source: str, copy: str, versions: range, options: dict[str, str], *, at: int | None = None
) -> int:
    """Versions compared; `at` maps each copy version to that one source version (a clone)."""
    compared = 0
    for version in versions:
        want = _read(source, version if at is None else at, options)
        if want is None:
            continue
        got = read(copy, version, storage_options=options)
        assert same_rows(got, want), f"version {version}"
        compared += 1
    return compared


def _replicate_and_clone(
    capsys: pytest.CaptureFixture[str],
    source: str,
    root: str,
    options: dict[str, str],
    *,
    every_version: bool = True,
) -> None:
    replica, cloned = f"{root}/replica", f"{root}/clone"
    doc = _cli(capsys, "replicate", "--engine", "spark", "--history", "all", source, replica)
    (result,) = doc["tables"]
    latest = deltalake.DeltaTable(source, storage_options=options).version()
    assert result["to_version"] == latest
    first = result["complete_from"] if every_version else latest
    assert _same_at_every_version(source, replica, range(first, latest + 1), options) >= 1
    assert main(["verify", "--against", source, replica]) == 0, capsys.readouterr().out

    clone_doc = _cli(capsys, "table", "clone", "--engine", "spark", source, cloned)
    assert clone_doc["source_version"] == latest and clone_doc["target_version"] == 0
    assert clone_doc["num_copied_files"] == clone_doc["source_num_of_files"]
    assert _same_at_every_version(source, cloned, range(1), options, at=latest) == 1
    assert main(["verify", cloned]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("table", READABLE, ids=lambda p: str(p).split("shared/", 1)[-1])
def test_spark_copies_of_the_corpus_read_identically(
    table: Path, spark: SparkHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _replicate_and_clone(capsys, str(table), str(tmp_path), {})


def test_spark_copies_of_the_corpus_on_s3_read_identically(
    spark: SparkHandle,
    make_root: Callable[[str], Root],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    src_root, dst_root = make_root("s3"), make_root("s3")
    for i, table in enumerate(READABLE):
        source = upload(table, src_root, f"t{i}")
        _replicate_and_clone(
            capsys, source, dst_root.join(f"t{i}"), src_root.storage_options, every_version=False
        )
