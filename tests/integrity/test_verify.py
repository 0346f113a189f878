"""verify on checkpoints: each part and sidecar counts, whatever the checkpoint's name."""

from __future__ import annotations

import shutil
from pathlib import Path

import deltalake
import pytest

from standby.integrity import verify
from standby.replication import replicate_table
from tests.tables.reading import CORPUS

KERNEL = CORPUS.parent / "corpus-kernel"
CHECKPOINTED = [
    "v2-classic-checkpoint-parquet",  # a V2 checkpoint with a sidecar, under the classic name
    "v2-classic-checkpoint-json",
    "v2-checkpoints-parquet-with-sidecars",
    "v1-multi-part-struct-stats-only",
]


@pytest.mark.parametrize("name", CHECKPOINTED)
def test_a_replica_holds_every_part_and_sidecar(name: str, tmp_path: Path) -> None:
    source = KERNEL / name
    replicate_table(str(source), str(tmp_path / "replica"))
    report = verify(str(tmp_path / "replica"))
    assert report.ok, report.problems
    want = deltalake.DeltaTable(str(source)).version()
    assert deltalake.DeltaTable(str(tmp_path / "replica")).version() == want


def test_a_missing_sidecar_of_a_classic_named_checkpoint_is_a_finding(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(KERNEL / "v2-classic-checkpoint-parquet", copy)
    (sidecar,) = (copy / "_delta_log" / "_sidecars").glob("*.parquet")
    sidecar.unlink()
    report = verify(str(copy))
    assert not report.ok
    assert ("checkpoint_incomplete", str(sidecar.relative_to(copy))) in {
        (p.kind, p.path) for p in report.problems
    }
