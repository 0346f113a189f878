"""safe-point and verify on copies torn at random: every object of a real table kept with
probability p, many seeds, checked against the oracle (tests/integrity/oracle.py)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import deltalake
import pytest

from standby.errors import Refused, TableNotFound
from standby.integrity import QUARANTINE, safe_point, verify
from tests.integrity import oracle
from tests.tables.builders import checkpointed_table
from tests.tables.reading import CORPUS, read, same_rows

KERNEL = CORPUS.parent / "corpus-kernel"
TABLES = [
    "generated",
    "delta-rs/checkpoint-v2-table",
    "delta-rs/simple_table_with_checkpoint",
    "delta-rs/table_with_deletion_logs",
    "delta-rs/delta-1.2.1-only-struct-stats",
    "kernel/v1-multi-part-struct-stats-only",
    "kernel/v2-checkpoints-parquet-with-sidecars",
    "kernel/v2-checkpoints-json-with-sidecars",
    "kernel/v2-classic-checkpoint-parquet",
    "kernel/cdf-table-with-cdc-and-dvs",
    "kernel/compacted-log-files-table",
]
SEEDS = 12
KEEP = (0.6, 0.8, 0.9, 0.95)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generated") / "t"
    checkpointed_table(str(path))
    return path


def tear(original: Path, copy: Path, rng: random.Random, keep: float) -> None:
    """A copy of `original` holding each of its objects with probability `keep`."""
    (copy / "_delta_log").mkdir(parents=True)
    for path in sorted(original.rglob("*")):
        if path.is_file() and rng.random() < keep:
            target = copy / path.relative_to(original)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


@pytest.mark.parametrize("name", TABLES)
def test_safe_point_agrees_with_the_oracle_on_torn_copies(
    name: str, generated: Path, tmp_path: Path
) -> None:
    if name == "generated":
        original = generated
    else:
        corpus, _, table = name.partition("/")
        original = (KERNEL if corpus == "kernel" else CORPUS / corpus) / table
    for seed in range(SEEDS):
        rng = random.Random(f"{name}/{seed}")
        keep = rng.choice(KEEP)
        copy = tmp_path / f"copy-{seed}"
        tear(original, copy, rng, keep)
        check_torn_copy(original, copy, oracle.safe_version(original, copy), f"{seed}/{keep}")


def check_torn_copy(original: Path, copy: Path, want: int | None, case: str) -> None:
    """What safe-point, verify and repair must do with one torn copy."""
    log_names = [p.name for p in (copy / "_delta_log").iterdir()]
    if not any(n.endswith(".json") or ".checkpoint." in n for n in log_names):
        with pytest.raises(TableNotFound):
            safe_point(str(copy))
        return
    found = safe_point(str(copy))
    assert found.version == want, case
    report = verify(str(copy))  # never raises, whatever is torn
    for gap in _gaps(copy):
        assert any(p.kind == "commit_missing" and p.path.endswith(gap) for p in report.problems)
    if found.version != found.latest:
        assert not report.ok, case
    if want is None:
        with pytest.raises(Refused):
            safe_point(str(copy), repair=True, force=True)
        return
    repaired = safe_point(str(copy), repair=True, force=True)
    assert deltalake.DeltaTable(str(copy)).version() == want, case
    _assert_reads_like(copy, original, want)
    again = safe_point(str(copy), dry_run=True)
    assert (again.version, again.latest, again.quarantined) == (want, want, []), case
    _assert_moved_aside(copy, original, repaired.quarantined)


def _gaps(copy: Path) -> list[str]:
    """The first missing commit of each run of missing commits between present ones."""
    names = (p.name for p in (copy / "_delta_log").iterdir())
    versions = {int(m.group(1)) for n in names if (m := oracle.COMMIT.match(n))}
    if not versions:
        return []
    missing = [v for v in range(min(versions), max(versions)) if v not in versions]
    return [f"{v:020d}.json" for v in missing if v - 1 not in missing]


def _assert_reads_like(copy: Path, original: Path, version: int) -> None:
    try:
        want = read(str(original), version=version)
    except Exception:  # deltalake cannot read this table's features; its version is checked
        return
    assert same_rows(read(str(copy)), want)


def _assert_moved_aside(copy: Path, original: Path, moved: list[str]) -> None:
    """Repair moves, never deletes: each moved file is in quarantine, byte for byte."""
    root = copy / QUARANTINE  # <root>/<time>/<path in the table>
    quarantined = {
        "/".join(p.relative_to(root).parts[1:]): p for p in root.rglob("*") if p.is_file()
    }
    for path in moved:
        assert not (copy / path).exists()
        assert quarantined[path].read_bytes() == (original / path).read_bytes()
