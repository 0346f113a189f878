"""DESIGN.md section 4, invariants 1-8, each pinned on a real replication.

The order tests record every write the replicator makes, through a wrapper of the real
target store, local and S3 (moto): every copy is the target's `copy_from`, so the wrapper
sees each object land on either (local copies once bypassed it, and these ran on S3 only).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import deltalake
import pyarrow.parquet as pq
import pytest

from standby.cli import main
from standby.delta import DeltaLog, load_snapshot
from standby.delta.log import LAST_CHECKPOINT, LogKind, classify, commit_path
from standby.delta.snapshot import object_path
from standby.errors import Diverged, ObjectExists
from standby.replication import Replicator, read_state, replicate_table
from standby.replication.files import commit_files
from standby.replication.status import table_status
from standby.storage import ObjectStore, PutMode, open_store
from tests.faults import CountingStore, Landed, RecordingStore, StoreWrapper
from tests.replication._support import assert_valid_replica, grow, protected_config
from tests.servers import Root
from tests.tables.builders import batch
from tests.tables.reading import CORPUS, read, same_rows

# --- invariants 1-3: the order in which objects land ------------------------------------


def assert_landed_in_order(landed: list[Landed], source: str, *, present: set[str]) -> None:
    """Invariants 1-3 over one pass's writes (`present`: objects there before it)."""
    position: dict[str, int] = {}
    for i, event in enumerate(landed):
        position.setdefault(event.path, i)
    src_log = DeltaLog(open_store(source))
    listing = src_log.list()
    log_events = [
        (i, classify(e.path)) for i, e in enumerate(landed) if e.path.startswith("_delta_log/")
    ]
    commits = [(i, f.version) for i, f in log_events if f.kind is LogKind.COMMIT]
    versions = [v for _, v in commits]
    assert versions, "no commit was published"
    # 2: in version order, each exactly once, with put-if-absent
    assert versions == list(range(versions[0], versions[0] + len(versions))), versions
    assert all(landed[i].mode == "create" for i, _ in commits)

    def before(path: str, index: int, what: str) -> None:
        if path in present:
            return
        assert path in position, f"{path} ({what}) never landed"
        assert position[path] < index, f"{path} ({what}) landed after position {index}"

    # 1: every file a commit needs is there before it; the seed commit needs its snapshot
    for n, (i, version) in enumerate(commits):
        if n == 0 and version > 0:
            needed = load_snapshot(src_log, version, listing=listing).referenced_files()
        else:
            needed = commit_files(src_log.read_commit(version), table=source)
        for f in needed:
            if f.relative:
                before(object_path(f.path), i, f"a file of version {version}")
    # 3: a checkpoint after its commit (but the seed's, which comes first: see _seed),
    # sidecars and parts before the checkpoint they complete, _last_checkpoint last
    seed_version = versions[0] if versions[0] > 0 else None
    checkpoint_files = {f.path: f for fs in listing.checkpoints.values() for f in fs}
    for i, f in log_events:
        if f.kind in (LogKind.CHECKPOINT, LogKind.CHECKPOINT_PART, LogKind.CHECKPOINT_V2):
            if f.version != seed_version:
                before(commit_path(f.version), i, f"the commit of checkpoint {f.version}")
            elif commits:
                assert i < commits[0][0], "the seed checkpoint must precede the seed commit"
        if f.kind is LogKind.CHECKPOINT_V2:
            for sidecar in _sidecars_of(source, f.path):
                before(sidecar, i, f"a sidecar of {f.path}")
    hints = [i for i, e in enumerate(landed) if e.path == LAST_CHECKPOINT]
    if hints:
        last_log_write = max(i for i, _ in log_events)
        assert hints[-1] == last_log_write, "_last_checkpoint is not the last log write"
        named = json.loads(open_store(source).get(LAST_CHECKPOINT))["version"]
        for path, f in checkpoint_files.items():
            if f.version == named and path in position:
                assert position[path] < hints[-1]


def _sidecars_of(source: str, checkpoint: str) -> list[str]:
    from standby.delta.checkpoint import sidecar_paths

    store = open_store(source)
    return sidecar_paths(store, [classify(checkpoint, store.head(checkpoint).size)])


def _record(source: str, target: Root, name: str, **kwargs: object) -> RecordingStore:
    store = RecordingStore(target.store(name))
    Replicator(open_store(source), store, **kwargs).run()  # type: ignore[arg-type]
    return store


def _split_checkpoint(table: Path, version: int) -> None:
    """Turn the classic checkpoint of `version` into a two-part one."""
    log = table / "_delta_log"
    single = log / f"{version:020d}.checkpoint.parquet"
    actions = pq.read_table(single)
    half = actions.num_rows // 2
    for part, rows in ((1, actions.slice(0, half)), (2, actions.slice(half))):
        pq.write_table(rows, log / f"{version:020d}.checkpoint.{part:010d}.{2:010d}.parquet")
    single.unlink()
    hint = json.loads((log / "_last_checkpoint").read_text())
    (log / "_last_checkpoint").write_text(json.dumps({**hint, "parts": 2}))


@pytest.fixture(params=["local", "s3"])
def target_root(request: pytest.FixtureRequest, make_root: Callable[[str], Root]) -> Root:
    """Every write reaches the store's wrappers on every backend (local copies too)."""
    return make_root(request.param)


@pytest.mark.parametrize("history", ["all", "checkpoint"])
def test_commits_land_after_their_files_in_order_checkpoints_after(
    history: str, tmp_path: Path, target_root: Root
) -> None:
    source = str(tmp_path / "src")
    grow(source, 25, checkpoint_every=10)  # checkpoints at 9 and 19
    _split_checkpoint(tmp_path / "src", 19)  # a multi-part one
    assert deltalake.DeltaTable(source).version() == 24
    first = _record(source, target_root, "t", history=history)
    assert_landed_in_order(first.landed, source, present=set())
    grow(source, 12, start=10_000, checkpoint_every=10)  # checkpoint 29, then commits 30-36
    present = {o.path for o in target_root.store("t").list("")}
    again = _record(source, target_root, "t", history=history)
    assert_landed_in_order(again.landed, source, present=present)
    assert assert_valid_replica(source, target_root.join("t"), options=target_root.storage_options)


@pytest.mark.parametrize(
    "table", ["cdf-table-with-cdc-and-dvs", "checkpoint-v2-table", "table-with-dv-small"]
)
@pytest.mark.parametrize("history", ["all", "checkpoint"])
def test_order_holds_for_deletion_vectors_cdc_and_v2_checkpoints(
    table: str, history: str, target_root: Root
) -> None:
    source = str(CORPUS / "delta-rs" / table)
    recorded = _record(source, target_root, "t", history=history)
    assert_landed_in_order(recorded.landed, source, present=set())
    kinds = {classify(e.path).kind for e in recorded.landed}
    if table == "checkpoint-v2-table" and history == "checkpoint":
        assert {LogKind.SIDECAR, LogKind.CHECKPOINT_V2} <= kinds
    if table == "cdf-table-with-cdc-and-dvs" and history == "all":
        paths = " ".join(e.path for e in recorded.landed)
        assert "_change_data/" in paths and "deletion_vector_" in paths


# --- invariant 2: put-if-absent; someone else's version v is never overwritten ------------


class IntruderStore(StoreWrapper):
    """Before the replicator's put-if-absent of `path` lands, someone else writes it."""

    def __init__(self, inner: ObjectStore, path: str, data: bytes):
        super().__init__(inner)
        self.path, self.data = path, data

    def put(
        self,
        path: str,
        data: bytes | Iterable[bytes],
        *,
        mode: PutMode = "overwrite",
        if_match: str | None = None,
    ) -> None:
        if path == self.path and self.data:
            self.inner.put(path, self.data, mode="create")
            self.data = b""
        self.inner.put(path, data, mode=mode, if_match=if_match)


def test_a_commit_written_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    source = str(tmp_path / "src")
    grow(source, 3)
    replicate_table(source, str(tmp_path / "dst"))
    grow(source, 2, start=100)
    intruder = b'{"commitInfo":{"timestamp":1,"operation":"NOT REPLICATION"}}\n'
    target = IntruderStore(open_store(str(tmp_path / "dst")), commit_path(4), intruder)
    with pytest.raises(Diverged, match="version 4"):
        Replicator(open_store(source), target).run()
    assert (tmp_path / "dst" / commit_path(4)).read_bytes() == intruder
    assert not (tmp_path / "dst" / commit_path(5)).exists()
    with pytest.raises(ObjectExists):
        open_store(str(tmp_path / "dst")).put(commit_path(4), b"x", mode="create")


# --- invariant 4: a file present at full size is never copied again ----------------------


def test_present_files_are_never_copied_again_short_ones_are(tmp_path: Path) -> None:
    source, target = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 6)
    # A previous run copied some files and died before publishing anything.
    snapshot = load_snapshot(DeltaLog(open_store(str(source))))
    files = sorted(object_path(f.path) for f in snapshot.referenced_files())
    whole, short = files[:10], files[10]
    for name in (*whole, short):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target / name)
    with open(target / short, "r+b") as f:
        f.truncate(10)
    inodes = {n: os.stat(target / n).st_ino for n in whole}
    result = replicate_table(str(source), str(target), history="all")
    assert result.files_copied == len(files) - len(whole)
    assert {n: os.stat(target / n).st_ino for n in whole} == inodes
    assert (target / short).stat().st_size == (source / short).stat().st_size
    # and a pass with nothing new reads the logs only: no data file is touched
    counting = CountingStore(open_store(str(target)))
    assert Replicator(open_store(str(source)), counting).run().files_copied == 0
    assert counting.calls["put"] == 0 and counting.calls["head"] == 0


# --- invariant 5: paths outside the table are refused -----------------------------------


def _append_commit(table: Path, version: int, actions: list[dict[str, object]]) -> None:
    info = {"commitInfo": {"timestamp": int(time.time() * 1000), "operation": "WRITE"}}
    lines = [json.dumps(a) for a in [info, *actions]]
    (table / "_delta_log" / f"{version:020d}.json").write_text("\n".join(lines) + "\n")


def _add(path: str, **extra: object) -> dict[str, object]:
    return {
        "add": {
            "path": path,
            "size": 100,
            "partitionValues": {},
            "modificationTime": 0,
            "dataChange": True,
            **extra,
        }
    }


@pytest.mark.parametrize("kind", ["absolute path", "p deletion vector", "shallow clone"])
def test_files_outside_the_table_are_refused(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "src"
    deltalake.write_deltalake(str(source), batch(0, 5))
    if kind == "shallow clone":
        assert main(["table", "clone", "--shallow", str(source), str(tmp_path / "s")]) == 0
        source = tmp_path / "s"
    elif kind == "absolute path":
        _append_commit(source, 1, [_add(f"file://{tmp_path}/elsewhere/part-0.parquet")])
    else:
        dv = {
            "storageType": "p",
            "pathOrInlineDv": f"file://{tmp_path}/elsewhere/dv.bin",
            "offset": 1,
            "sizeInBytes": 36,
            "cardinality": 1,
        }
        name = next(p.name for p in source.iterdir() if p.suffix == ".parquet")
        _append_commit(source, 1, [_add(name, deletionVector=dv)])
    capsys.readouterr()
    code = main(["replicate", "--history", "all", str(source), str(tmp_path / "dst")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "outside the table" in err and "Traceback" not in err
    published = sorted((tmp_path / "dst" / "_delta_log").glob("*.json"))
    # versions before the one that points outside may be there; that one is not
    assert all(int(p.name[:20]) < (0 if kind == "shallow clone" else 1) for p in published)


# --- invariant 6: timestamps from the log, never from modification times ----------------


def test_lag_comes_from_commit_timestamps_not_modification_times(tmp_path: Path) -> None:
    source = tmp_path / "src"
    deltalake.write_deltalake(str(source), batch(0, 5))
    replicate_table(str(source), str(tmp_path / "dst"))
    an_hour_ago = int(time.time() * 1000) - 3_600_000
    name = next(p.name for p in source.iterdir() if p.suffix == ".parquet")
    old = {"commitInfo": {"timestamp": an_hour_ago, "operation": "WRITE"}}
    (source / "_delta_log" / commit_path(1).split("/")[1]).write_text(
        json.dumps(old) + "\n" + json.dumps(_add(name)) + "\n"
    )
    status = table_status(str(source), str(tmp_path / "dst"), rpo_seconds=900)
    assert 3590 < status.lag_seconds < 3700 and not status.ok  # the file itself is brand new
    # a commit whose file is old but whose log says now is not late at all
    replicate_table(str(source), str(tmp_path / "dst"))
    now = {"commitInfo": {"timestamp": 1, "inCommitTimestamp": int(time.time() * 1000)}}
    path = source / "_delta_log" / commit_path(2).split("/")[1]
    path.write_text(json.dumps(now) + "\n" + json.dumps(_add(name)) + "\n")
    os.utime(path, (time.time() - 86_400, time.time() - 86_400))
    status = table_status(str(source), str(tmp_path / "dst"), rpo_seconds=900)
    assert status.lag_seconds < 60 and status.ok
    replicate_table(str(source), str(tmp_path / "dst"))
    state = read_state(open_store(str(tmp_path / "dst")))
    assert state is not None
    assert state.last_commit_timestamp == now["commitInfo"]["inCommitTimestamp"]


# --- invariant 7: tables the engine cannot handle are refused, naming the feature --------


@pytest.mark.parametrize("when", ["from the start", "in a later commit"])
def test_catalog_managed_tables_are_refused(
    when: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "src"
    deltalake.write_deltalake(str(source), batch(0, 5))
    deltalake.write_deltalake(str(source), batch(5, 5), mode="append")
    managed = {
        "protocol": {
            "minReaderVersion": 3,
            "minWriterVersion": 7,
            "readerFeatures": ["catalogManaged"],
            "writerFeatures": ["catalogManaged"],
        }
    }
    if when == "from the start":
        log0 = source / "_delta_log" / commit_path(0).split("/")[1]
        lines = [
            json.dumps(managed) if '"protocol"' in line else line
            for line in log0.read_text().splitlines()
        ]
        log0.write_text("\n".join(lines) + "\n")
    else:
        replicate_table(str(source), str(tmp_path / "dst"))
        _append_commit(source, 2, [managed])
    before = (
        sorted(p.name for p in (tmp_path / "dst").rglob("*")) if when != "from the start" else []
    )
    capsys.readouterr()
    code = main(["replicate", str(source), str(tmp_path / "dst")])
    err = capsys.readouterr().err
    assert code in (2, 5), err
    assert "catalogManaged" in err and "Traceback" not in err
    after = sorted(p.name for p in (tmp_path / "dst").rglob("*")) if before else []
    assert [n for n in after if n.endswith(".json") and "replica" not in n] == [
        n for n in before if n.endswith(".json") and "replica" not in n
    ]


# --- invariant 8: a replica is written only while the control objects allow it ------------


def test_config_mode_refuses_a_failed_over_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, source, replica = protected_config(tmp_path)
    assert main(["--config", str(cfg), "replicate"]) == 0
    assert same_rows(read(str(replica)), read(str(source)))
    deltalake.write_deltalake(str(source), batch(5, 5), mode="append")
    control = tmp_path / "d" / "lake" / "_standby" / "control.json"
    doc = json.loads(control.read_text())
    control.write_text(json.dumps({**doc, "role": "primary", "epoch": doc["epoch"] + 1}))
    snapshot = {p: p.read_bytes() for p in replica.rglob("*") if p.is_file()}
    capsys.readouterr()
    code = main(["--config", str(cfg), "replicate"])
    err = capsys.readouterr().err
    assert code == 5, err
    assert "fenced" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in replica.rglob("*") if p.is_file()} == snapshot


# --- invariant 11 for replicate: --dry-run writes nothing ---------------------------------


def test_dry_run_prints_the_plan_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(tmp_path / "src")
    grow(source, 5)
    capsys.readouterr()
    assert main(["--json", "replicate", "--dry-run", source, str(tmp_path / "dst")]) == 0
    doc = json.loads(capsys.readouterr().out)
    (planned,) = doc["tables"]
    assert planned["files_copied"] == 20 and planned["to_version"] == 4
    assert not (tmp_path / "dst").exists() or not any((tmp_path / "dst").rglob("*"))
    replicate_table(source, str(tmp_path / "dst"))
    grow(source, 1, start=100)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "dst").rglob("*")}
    assert main(["--json", "replicate", "--dry-run", source, str(tmp_path / "dst")]) == 0
    (planned,) = json.loads(capsys.readouterr().out)["tables"]
    assert (planned["from_version"], planned["to_version"], planned["files_copied"]) == (5, 5, 4)
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "dst").rglob("*")} == before
