"""Acceptance 3: appends, an overwrite, OPTIMIZE and VACUUM on the source while a slow
first copy runs; the replica ends valid and equal to the source at its version.

The copy is slowed by a real seam, the copy executor: each file waits before it is copied,
so the source's churn (and VACUUM deleting files the copy has not reached yet) happens
in the middle of the pass, not before or after it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import deltalake
import pytest

from standby.delta.fileset import FileAction
from standby.engines import CopyStats, CopyTask, Progress, ThreadExecutor
from standby.integrity import verify
from standby.replication import Replicator, TableReplication, replicate_table
from standby.replication.files import copy_files
from standby.storage import ObjectStore, StoreWrapper, open_store
from tests.faults import RecordingStore
from tests.replication._support import assert_valid_replica, grow, rows


class SlowExecutor:
    """The thread executor, with every file held back `delay` seconds first; `started`
    is set when the first batch begins."""

    def __init__(self, delay: float):
        self.delay = delay
        self.inner = ThreadExecutor(workers=2)
        self.started = threading.Event()

    def run(
        self,
        tasks: Sequence[CopyTask],
        *,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> CopyStats:
        self.started.set()
        slowed = [_Slow(t, self.delay) for t in tasks]
        return self.inner.run(slowed, progress=progress, stop=stop)  # type: ignore[arg-type]


class _Slow(CopyTask):
    def __new__(cls, task: CopyTask, delay: float) -> CopyTask:  # type: ignore[misc]
        return CopyTask(
            _SlowStore(task.src, delay), task.src_path, task.dst, task.dst_path, task.size
        )


class _SlowStore:
    """A source store whose reads start `delay` seconds late (copies read through it)."""

    def __init__(self, inner: object, delay: float):
        self.inner, self.delay, self.url = inner, delay, "slow+" + inner.url  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def stream(self, path: str, *, chunk_size: int = 8 << 20):  # type: ignore[no-untyped-def]
        time.sleep(self.delay)
        return self.inner.stream(path, chunk_size=chunk_size)  # type: ignore[attr-defined]


def churn(source: str) -> list[str]:
    """What a busy primary does: appends, an overwrite, OPTIMIZE, VACUUM, more appends."""
    done = []
    for i in range(3):
        deltalake.write_deltalake(
            source, rows(10_000 + i * 10, 10), mode="append", partition_by=["part"]
        )
    done.append("3 appends")
    deltalake.write_deltalake(source, rows(20_000, 40), mode="overwrite", partition_by=["part"])
    done.append("overwrite")
    for i in range(4):
        deltalake.write_deltalake(
            source, rows(30_000 + i * 10, 10), mode="append", partition_by=["part"]
        )
    deltalake.DeltaTable(source).optimize.compact()
    done.append("optimize")
    deltalake.DeltaTable(source).vacuum(
        retention_hours=0, enforce_retention_duration=False, dry_run=False
    )
    done.append("vacuum")
    deltalake.write_deltalake(source, rows(40_000, 10), mode="append", partition_by=["part"])
    done.append("append")
    return done


@pytest.mark.parametrize("history", ["checkpoint", "all"])
def test_churn_during_a_slow_first_copy(history: str, tmp_path: Path) -> None:
    source, replica = str(tmp_path / "src"), str(tmp_path / "dst")
    grow(source, 30)  # 120 files; the copy takes ~120 x 25 ms / 2 workers = 1.5 s
    executor = SlowExecutor(delay=0.025)
    target = RecordingStore(open_store(replica))
    replicator = Replicator(open_store(source), target, history=history, executor=executor)
    outcome: list[TableReplication | BaseException] = []

    def first_copy() -> None:
        try:
            outcome.append(replicator.run())
        except BaseException as e:
            outcome.append(e)

    copying = threading.Thread(target=first_copy)
    copying.start()
    assert executor.started.wait(30)
    done = churn(source)
    copying.join(120)
    assert not copying.is_alive()
    (first,) = outcome
    assert isinstance(first, TableReplication), first
    assert done == ["3 appends", "overwrite", "optimize", "vacuum", "append"]
    assert first.vacuumed_files > 0, "VACUUM did not race the copy: make the copy slower"
    writes = Counter(w.path for w in target.landed)
    twice = [p for p, n in writes.items() if n > 1 and not p.startswith(("_", "."))]
    assert not twice, f"copied twice: {twice}"

    # The first pass ends valid at its version (past what VACUUM took, if it took any).
    assert assert_valid_replica(source, replica) == first.to_version
    assert verify(replica).ok
    # A second pass brings it to the source's latest, equal to it.
    second = replicate_table(source, replica, history=history)
    latest = deltalake.DeltaTable(source).version()
    assert second.to_version == latest
    assert assert_valid_replica(source, replica) == latest
    assert verify(replica, against=source).ok


class VacuumingWhileCopied(StoreWrapper):
    """A target whose copies race a VACUUM of the source in two waves: the first copy finds
    its file gone; copying `trigger` (reached only after the first wave is handled) removes
    `later` from the source just ahead of its copy."""

    def __init__(self, inner: ObjectStore, source_dir: Path, first: str, trigger: str, later: str):
        super().__init__(inner)
        self.source_dir, self.first, self.trigger, self.later = source_dir, first, trigger, later
        self.calls = 0

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        self.calls += 1
        if self.calls == 1:
            (self.source_dir / self.first).unlink()
        elif src_path == self.trigger:
            (self.source_dir / self.later).unlink()
        self.inner.copy_from(source, src_path, dst_path)


def test_a_vacuum_that_goes_on_during_the_retry_is_reported_too(tmp_path: Path) -> None:
    source_dir = tmp_path / "src"
    names = [f"part-{i}.parquet" for i in range(5)]
    source_dir.mkdir()
    for name in names:
        (source_dir / name).write_bytes(name.encode())
    files = [FileAction(name, len(name), "data", True) for name in names]
    target = VacuumingWhileCopied(
        open_store(str(tmp_path / "dst")), source_dir, names[0], trigger=names[2], later=names[3]
    )
    outcome = copy_files(files, open_store(str(source_dir)), target, ThreadExecutor(1), None)
    assert sorted(outcome.vacuumed) == [names[0], names[3]]
    copied = sorted(p.name for p in (tmp_path / "dst").iterdir())
    assert copied == [names[1], names[2], names[4]]
    assert outcome.files == 3 and outcome.bytes == sum(len(n) for n in copied)
