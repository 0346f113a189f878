"""The Spark engine behind the CopyExecutor boundary reports as the thread engine does:
the same results (the --json document of replicate and clone), the same progress (files
and bytes announced, then advanced to the total), on the session the CLI finds active."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from pathlib import Path

from bench.table_ops import make_table

from standby.engines import CopyTask, ThreadExecutor
from standby.engines.spark import SparkExecutor
from standby.replication import replicate_table
from standby.storage import open_store
from standby.tables import clone
from tests.engines.faults import SLOW_SECONDS, open_slow
from tests.engines.spark_session import SparkHandle
from tests.replication._support import assert_valid_replica, grow


class Recorded:
    def __init__(self) -> None:
        self.started: list[tuple[int, int]] = []
        self.advanced = 0
        self.finished = 0

    def start(self, files: int, total_bytes: int) -> None:
        self.started.append((files, total_bytes))

    def advance(self, nbytes: int) -> None:
        self.advanced += nbytes

    def finish(self) -> None:
        self.finished += 1


def _without(doc: object, *keys: str) -> dict[str, object]:
    return {k: v for k, v in asdict(doc).items() if k not in keys}  # type: ignore[call-overload]


def test_spark_results_and_progress_are_those_of_threads(
    spark: SparkHandle, tmp_path: Path
) -> None:
    src = str(tmp_path / "src")
    grow(src, 70, checkpoint_every=25)  # two batches of commits: two Spark jobs
    runs = {}
    for name, executor in (("threads", ThreadExecutor()), ("spark", SparkExecutor())):
        progress = Recorded()
        result = replicate_table(
            src, str(tmp_path / name), executor=executor, progress=progress, history="all"
        )
        assert assert_valid_replica(src, str(tmp_path / name), compare_rows=False) == 69
        cloned = clone(src, str(tmp_path / f"{name}-clone"), executor=executor, progress=progress)
        runs[name] = (result, cloned, progress)
    (t, tc, tp), (s, sc, sp) = runs["threads"], runs["spark"]
    assert _without(s, "seconds", "target") == _without(t, "seconds", "target")
    assert _without(sc, "target") == _without(tc, "target")
    assert len(sp.started) == 3 and sp.started == tp.started
    assert sp.advanced == tp.advanced == sum(b for _, b in tp.started)
    assert sp.finished == tp.finished == 3


def test_stop_cancels_the_job_and_leaves_only_whole_files(
    spark: SparkHandle, tmp_path: Path
) -> None:
    make_table(tmp_path / "src", total_bytes=48 * 10_000, files=48)
    src, dst = open_store(str(tmp_path / "src")), open_store(str(tmp_path / "dst"))
    tasks = [
        CopyTask(src, p.name, dst, p.name, p.stat().st_size)
        for p in sorted((tmp_path / "src").glob("*.parquet"))
    ]
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    started = time.monotonic()
    stats = SparkExecutor(session=spark.session, opener=open_slow).run(tasks, stop=stop)
    took = time.monotonic() - started
    # Whole, the batch takes 48 copies x 0.5 s / (2 cores x 4 threads) = 3 s and more.
    assert stats.stopped and stats.files == 0 and took < 3 * SLOW_SECONDS * 48 / 8, took
    copied = {p.name: p.stat().st_size for p in (tmp_path / "dst").glob("*.parquet")}
    assert len(copied) < 48 and all(size == 10_000 for size in copied.values())
