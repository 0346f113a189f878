"""The delta/ package: log naming, listing offsets, checkpoints of every kind, DV paths."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from standby.delta import DeltaLog, LogKind, load_snapshot, snapshot
from standby.delta.dv import relative_path, z85_decode, z85_encode
from standby.delta.log import classify
from standby.delta.replay import replay
from standby.delta.snapshot import replay_actions
from standby.errors import VersionNotFound
from standby.storage import open_store
from tests.tables.reading import CORPUS

V = "00000000000000000007"


@pytest.mark.parametrize(
    ("name", "kind", "version"),
    [
        (f"{V}.json", LogKind.COMMIT, 7),
        (f"{V}.checkpoint.parquet", LogKind.CHECKPOINT, 7),
        (f"{V}.checkpoint.0000000002.0000000003.parquet", LogKind.CHECKPOINT_PART, 7),
        (f"{V}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json", LogKind.CHECKPOINT_V2, 7),
        (f"{V}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet", LogKind.CHECKPOINT_V2, 7),
        (f"{V}.crc", LogKind.CRC, 7),
        (f"{V}.00000000000000000009.compacted.json", LogKind.COMPACTED, 7),
        ("_last_checkpoint", LogKind.LAST_CHECKPOINT, None),
        ("_sidecars/3a0d65cd-4056-49b8-937b-95f9e3ee90e5.parquet", LogKind.SIDECAR, None),
        ("garbage.txt", LogKind.OTHER, None),
    ],
)
def test_classify(name: str, kind: LogKind, version: int | None) -> None:
    f = classify(f"_delta_log/{name}")
    assert (f.kind, f.version) == (kind, version)


def test_listing_from_a_version_returns_only_what_follows(tmp_path: Path) -> None:
    table = tmp_path / "t"
    shutil.copytree(CORPUS / "delta-rs" / "simple_table_with_checkpoint", table)
    log = DeltaLog(open_store(str(table)))
    later = log.list(from_version=9)
    assert sorted(later.commits) == [9, 10]
    assert sorted(later.checkpoints) == [10]
    assert sorted(log.list().commits) == list(range(11))


def test_z85_round_trip_and_corpus_dv_path() -> None:
    u = uuid.uuid4()
    assert z85_decode(z85_encode(u.bytes)) == u.bytes
    table = CORPUS / "delta-rs" / "table-with-dv-small"
    snap = load_snapshot(DeltaLog(open_store(str(table))))
    (add,) = snap.files.values()
    assert (table / relative_path(add["deletionVector"])).exists()


CHECKPOINTED = [
    p
    for p in sorted(CORPUS.rglob("_delta_log"))
    if (p / f"{0:020d}.json").exists() and any(".checkpoint." in f.name for f in p.iterdir())
]


@pytest.mark.parametrize("log_dir", CHECKPOINTED, ids=lambda p: p.parent.name)
def test_checkpoint_replay_equals_commit_replay(log_dir: Path) -> None:
    """Classic and V2 (sidecar) checkpoints give the same state as replaying every commit."""
    log = DeltaLog(open_store(str(log_dir.parent)))
    listing = log.list()
    from_checkpoint = load_snapshot(log, listing=listing)
    assert from_checkpoint.checkpoint_version is not None
    from_commits = replay(log, from_checkpoint.version, None, [])
    assert set(from_checkpoint.files) == set(from_commits.files)
    assert from_checkpoint.metadata["id"] == from_commits.metadata["id"]
    assert from_checkpoint.protocol == from_commits.protocol


FROM_ZERO = [
    p
    for root in (CORPUS, CORPUS.parent / "corpus-kernel")
    for p in sorted(root.rglob("_delta_log"))
    if (p / f"{0:020d}.json").exists()
]


@pytest.mark.parametrize(
    "log_dir", FROM_ZERO, ids=lambda p: str(p.parent.relative_to(CORPUS.parent))
)
def test_python_replay_equals_arrow_replay(log_dir: Path) -> None:
    """A small log replayed action by action gives what the Arrow replay gives: the same
    live files (keys, order and whole actions), state, size and referenced files."""
    log = DeltaLog(open_store(str(log_dir.parent)))
    listing = log.list()
    if not all(v in listing.commits for v in range((listing.latest or 0) + 1)):
        pytest.skip("commits before a checkpoint were cleaned up: only Arrow replays it")
    target = listing.latest or 0
    python, arrow = replay_actions(log, target), replay(log, target, None, [])
    assert python.columns is None and arrow.columns is not None
    assert list(python.files) == list(arrow.files)
    assert list(python.files.values()) == list(arrow.files.values())
    assert (python.protocol, python.metadata) == (arrow.protocol, arrow.metadata)
    assert (python.txns, python.domains) == (arrow.txns, arrow.domains)
    assert python.size_bytes == arrow.size_bytes
    key = lambda f: f.path  # noqa: E731
    assert sorted(python.referenced_files(), key=key) == sorted(arrow.referenced_files(), key=key)
    assert python.live.select(["path", "size"]) == arrow.live.select(["path", "size"])


def test_load_snapshot_replays_a_small_log_in_python_and_a_large_one_in_arrow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = DeltaLog(open_store(str(CORPUS / "delta-rs" / "table-with-dv-small")))
    assert load_snapshot(log).columns is None
    monkeypatch.setattr(snapshot, "SMALL_LOG_BYTES", 0)
    assert load_snapshot(log).columns is not None


def test_v2_checkpoint_with_sidecars_is_read() -> None:
    log = DeltaLog(open_store(str(CORPUS / "delta-rs" / "checkpoint-v2-table")))
    snap = load_snapshot(log, 8)
    assert snap.checkpoint_version == 8 and len(snap.files) > 0


def test_multi_part_checkpoint(tmp_path: Path) -> None:
    table = tmp_path / "t"
    shutil.copytree(CORPUS / "delta-rs" / "simple_table_with_checkpoint", table)
    log_dir = table / "_delta_log"
    classic = log_dir / f"{10:020d}.checkpoint.parquet"
    whole = pq.read_table(classic)
    half = whole.num_rows // 2
    pq.write_table(
        whole.slice(0, half), log_dir / f"{10:020d}.checkpoint.0000000001.0000000002.parquet"
    )
    pq.write_table(
        whole.slice(half), log_dir / f"{10:020d}.checkpoint.0000000002.0000000002.parquet"
    )
    expected = set(load_snapshot(DeltaLog(open_store(str(table)))).files)
    classic.unlink()
    (log_dir / "_last_checkpoint").unlink()
    for v in range(10):  # only the multi-part checkpoint can rebuild version 10 now
        (log_dir / f"{v:020d}.json").unlink()
    snap = load_snapshot(DeltaLog(open_store(str(table))))
    assert snap.checkpoint_version == 10 and set(snap.files) == expected
    (log_dir / f"{10:020d}.checkpoint.0000000002.0000000002.parquet").unlink()
    with pytest.raises(VersionNotFound, match=r"cannot be reconstructed|does not exist"):
        load_snapshot(DeltaLog(open_store(str(table))))
