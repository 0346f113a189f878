"""Issue 9 item 7: `replicate --dry-run` plans what the real run then does. Each scenario
runs a dry run, checks it wrote nothing, then the real run, and compares the two: files,
bytes and versions in the result, and the very objects written (the dry run's recorded
plan against what reached the real target). Scenarios: a first copy, an incremental pass,
and a source whose files were vacuumed before they were replicated."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import deltalake
import pytest

from standby.integrity import safe_point
from standby.replication import Replicator, TableReplication, replicate_table
from standby.storage import DryRunStore, ObjectStore, open_store
from tests.faults import RecordingStore
from tests.replication._support import assert_valid_replica, grow
from tests.servers import Root

COMPARED = (
    "from_version",
    "to_version",
    "files_copied",
    "bytes_copied",
    "commits_published",
    "complete_from",
    "vacuumed_files",
    "source_version",
)


def listing(store: ObjectStore) -> dict[str, tuple[int, str | None]]:
    return {o.path: (o.size, o.etag) for o in store.list("")}


def plan_then_run(source: str, target: Root) -> tuple[TableReplication, TableReplication]:
    """A dry run, checked to change nothing, then the real run; both results."""
    before = listing(target.store("t"))
    dry_target = DryRunStore(target.store("t"))
    planned = Replicator(DryRunStore(open_store(source)), dry_target).run()
    assert listing(target.store("t")) == before, "the dry run wrote"

    seen = RecordingStore(target.store("t"))
    done = Replicator(open_store(source), seen).run()

    planned_writes = {(w.path, "copy" if w.kind == "copy" else "put") for w in dry_target.plan}
    real_writes = {(w.path, "copy" if w.mode == "copy" else "put") for w in seen.landed}
    assert planned_writes == real_writes  # the same objects, each written the same way
    data = [w for w in dry_target.plan if w.kind == "copy" and not w.path.startswith("_delta_log/")]
    assert (len(data), sum(w.bytes for w in data)) == (done.files_copied, done.bytes_copied)
    return planned, done


def same(planned: TableReplication, done: TableReplication) -> None:
    assert {k: getattr(planned, k) for k in COMPARED} == {k: getattr(done, k) for k in COMPARED}


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_a_first_copy_is_planned_exactly(
    kind: str, tmp_path: Path, make_root: Callable[[str], Root]
) -> None:
    source, target = str(tmp_path / "src"), make_root(kind)
    grow(source, 14, checkpoint_every=5)  # checkpoints at 4, 9: the seed is 9, then 10-13

    planned, done = plan_then_run(source, target)

    same(planned, done)
    assert (done.from_version, done.to_version, done.commits_published) == (9, 13, 5)
    assert done.files_copied > 0 and done.bytes_copied > 0
    assert_valid_replica(source, target.join("t"), options=target.storage_options)


def test_an_incremental_pass_is_planned_exactly(
    tmp_path: Path, make_root: Callable[[str], Root]
) -> None:
    source, target = str(tmp_path / "src"), make_root("local")
    start = grow(source, 6)
    replicate_table(source, target.join("t"))
    grow(source, 7, start=start)  # versions 6-12, a checkpoint at 9 published late too

    planned, done = plan_then_run(source, target)

    same(planned, done)
    assert (done.from_version, done.to_version, done.files_copied) == (6, 12, 28)


def test_a_vacuumed_source_is_planned_exactly(
    tmp_path: Path, make_root: Callable[[str], Root]
) -> None:
    """Commits 4-7 added files that OPTIMIZE then replaced and VACUUM removed before they
    were replicated: both runs find them gone and carry on from where the source is whole."""
    source, target = str(tmp_path / "src"), make_root("local")
    start = grow(source, 4)
    replicate_table(source, target.join("t"))
    grow(source, 4, start=start)
    table = deltalake.DeltaTable(source)
    table.optimize.compact()
    table.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)

    planned, done = plan_then_run(source, target)

    same(planned, done)
    assert done.vacuumed_files > 0
    assert done.complete_from is not None and done.complete_from > 4


def test_replicate_table_dry_run_writes_nothing_and_says_so(tmp_path: Path) -> None:
    source, target = str(tmp_path / "src"), tmp_path / "dst"
    grow(source, 3)

    planned = replicate_table(source, str(target), dry_run=True)
    assert not target.exists()
    done = replicate_table(source, str(target))

    assert planned.dry_run and not done.dry_run
    assert dataclasses.replace(planned, seconds=0, dry_run=False) == dataclasses.replace(
        done, seconds=0
    )
    assert os.listdir(target)


def test_a_dry_run_repair_lists_the_moves_the_real_one_makes(tmp_path: Path) -> None:
    """safe-point --repair --dry-run needs no --force: its store cannot write."""
    source, copy = str(tmp_path / "src"), tmp_path / "copy"
    grow(source, 5)
    replicate_table(source, str(copy), history="all")
    newest = json_lines(copy / "_delta_log" / f"{4:020d}.json")
    lost = next(a["add"]["path"] for a in newest if "add" in a)
    (copy / lost).unlink()  # the newest version is torn
    before = {p: p.stat().st_mtime_ns for p in copy.rglob("*")}

    planned = safe_point(str(copy), repair=True, dry_run=True)

    assert {p: p.stat().st_mtime_ns for p in copy.rglob("*")} == before
    done = safe_point(str(copy), repair=True, force=True)
    assert (
        (planned.version, planned.quarantined)
        == (done.version, done.quarantined)
        == (
            3,
            [f"_delta_log/{4:020d}.json"],
        )
    )
    assert not (copy / "_delta_log" / f"{4:020d}.json").exists()


def json_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
