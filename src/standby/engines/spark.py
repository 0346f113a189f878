"""Copies on Spark: the driver plans and publishes as always; only the file copies fan out.

As Databricks' DEEP CLONE and Hadoop DistCp do it: the file list is sorted by destination
and split into about three chunks per core, so fast executors take more; each task copies
its chunk with the engines' one copy routine and size check, and returns a result per file
(bytes, seconds, error). Nothing is committed here: the caller publishes only after `run`
returned, so a failed, retried or speculative task can leave no commit ahead of its files.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from standby.engines.base import CopyStats, CopyTask, NullProgress, Progress
from standby.engines.copying import FileResult
from standby.engines.refs import Opener, StoreRef, StoreRefs, open_ref
from standby.engines.spark_task import THREADS_PER_TASK, Chunk, copy_partition, plan_chunks
from standby.errors import BadInput, StandbyError, Unreachable
from standby.storage import ObjectStore

CHUNKS_PER_CORE = 3
POLL_SECONDS = 0.25
_WORKER_ERROR = re.compile(r"standby\.errors\.(\w+): (.+)")


class SparkExecutor:
    """A CopyExecutor on a SparkSession: the active one, or one started on `master`."""

    def __init__(
        self,
        *,
        session: Any | None = None,
        master: str | None = None,
        refs: Callable[[ObjectStore], StoreRef] | None = None,
        opener: Opener = open_ref,
        chunks_per_core: int = CHUNKS_PER_CORE,
        threads_per_task: int = THREADS_PER_TASK,
        poll_seconds: float = POLL_SECONDS,
    ):
        self._session = session
        self._started_here = False
        self._lock = threading.Lock()
        self.master = master
        self.refs = refs or StoreRefs()
        self.opener = opener
        self.chunks_per_core = chunks_per_core
        self.threads_per_task = threads_per_task
        self.poll_seconds = poll_seconds

    def plan(self, tasks: Sequence[CopyTask]) -> list[Chunk]:
        """The chunks `run` ships: what crosses to the executors, and nothing else."""
        planned = [
            (self.refs(t.src), t.src_path, self.refs(t.dst), t.dst_path, t.size) for t in tasks
        ]
        return plan_chunks(planned, self.chunks_per_core * self._cores())

    def run(
        self,
        tasks: Sequence[CopyTask],
        *,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> CopyStats:
        """As CopyExecutor.run. Once `stop` is set the Spark job is cancelled: what its
        tasks copied stays (each copy is whole or absent), uncounted (`stopped` is set)."""
        progress = progress or NullProgress()
        progress.start(len(tasks), sum(t.size or 0 for t in tasks))
        try:
            if not tasks:
                return CopyStats()
            results = self._collect(self.plan(tasks), progress, stop)
            return CopyStats(stopped=True) if results is None else _tally(tasks, results)
        finally:
            progress.finish()

    def close(self) -> None:
        """Stop the SparkSession if this executor started it (not an active one it found)."""
        if self._started_here and self._session is not None:
            self._session.stop()
            self._session, self._started_here = None, False

    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session, self._started_here = spark_session(self.master)
            return self._session

    def _cores(self) -> int:
        return max(1, int(self.session().sparkContext.defaultParallelism))

    def _collect(
        self, chunks: list[Chunk], progress: Progress, stop: threading.Event | None
    ) -> list[FileResult] | None:
        """The results of every file, or None when `stop` cancelled the job."""
        sc = self.session().sparkContext
        group = f"standby-copy-{uuid.uuid4().hex[:12]}"
        task = partial(copy_partition, opener=self.opener, threads=self.threads_per_task)
        outcome: dict[str, Any] = {}

        def job() -> None:
            sc.setJobGroup(group, f"standby: copy {sum(len(c.copies) for c in chunks)} file(s)")
            try:
                rdd = sc.parallelize(chunks, len(chunks)).mapPartitions(task)
                outcome["results"] = rdd.collect()
            except BaseException as e:  # handed to the caller's thread below
                outcome["error"] = e

        runner = threading.Thread(target=job, name=group, daemon=True)
        runner.start()
        shown = _Shown(progress, chunks)
        try:
            while runner.is_alive():
                runner.join(self.poll_seconds)
                shown.update(_completed_tasks(sc, group))
                if stop is not None and stop.is_set():
                    sc.cancelJobGroup(group)
                    runner.join()
                    return None
        except BaseException:
            sc.cancelJobGroup(group)
            raise
        if "error" in outcome:
            raise _job_error(outcome["error"]) from outcome["error"]
        shown.update(len(chunks))
        results: list[FileResult] = outcome["results"]
        return results


class _Shown:
    """Progress from finished Spark tasks: their share of the batch's files and bytes."""

    def __init__(self, progress: Progress, chunks: list[Chunk]):
        self.progress, self.total = progress, sum(c.bytes for c in chunks)
        self.chunks, self.sent = len(chunks), 0

    def update(self, done: int) -> None:
        target = self.total * min(done, self.chunks) // self.chunks
        if target > self.sent:
            self.progress.advance(target - self.sent)
            self.sent = target


def _completed_tasks(sc: Any, group: str) -> int:
    tracker = sc.statusTracker()
    done = 0
    for job_id in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job_id)
        for stage_id in info.stageIds if info else ():
            stage = tracker.getStageInfo(stage_id)
            done += stage.numCompletedTasks if stage else 0
    return done


def _tally(tasks: Sequence[CopyTask], results: list[FileResult]) -> CopyStats:
    """Totals as the thread engine counts them; the first error (by path) is raised."""
    by_path = {r.dst_path: r for r in results}
    missing = [t.dst_path for t in tasks if t.dst_path not in by_path]
    if missing:
        raise Unreachable(f"Spark returned no result for {len(missing)} file(s): {missing[:3]}.")
    for result in sorted((r for r in results if r.error), key=lambda r: r.dst_path):
        result.raise_error()
    stats = CopyStats()
    for t in {t.dst_path: t for t in tasks}.values():
        stats.files += 1
        stats.bytes += t.size or 0
    return stats


def _job_error(error: BaseException) -> StandbyError:
    """A failed Spark job as one line: the task's own standby error when there is one."""
    text = str(error)
    found = _WORKER_ERROR.findall(text)
    cause = f"{found[-1][0]}: {found[-1][1].strip()}" if found else _first_line(text)
    return Unreachable(
        f"The Spark copy job failed after Spark's task retries: {cause}",
        hint="Nothing was committed past the files that exist; rerun to carry on "
        "(with --engine threads if the cluster is the problem).",
    )


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0][:300] if lines else "no reason given"


def spark_session(master: str | None) -> tuple[Any, bool]:
    """(session, started here): one on `master`, else the active one (in a Databricks job).

    Raises BadInput when pyspark is missing or there is no session to use.
    """
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise BadInput(
            "--engine spark needs pyspark, which is not installed.",
            hint="pip install 'standby[spark]' (and a JDK), or run inside a Databricks job.",
        ) from e
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    if SparkContext._active_spark_context is not None:  # active, but in another thread
        return SparkSession.builder.getOrCreate(), False
    if master is None and "DATABRICKS_RUNTIME_VERSION" not in os.environ:
        raise BadInput(
            "--engine spark found no active SparkSession.",
            hint="Run inside a Databricks job, or pass --spark-master (e.g. local[4], "
            "spark://host:7077).",
        )
    # standby shows its own progress: Spark's console bar would garble it.
    builder = SparkSession.builder.appName("standby").config(
        "spark.ui.showConsoleProgress", "false"
    )
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):  # executors are this machine: this interpreter
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback, not a NIC
    try:
        return builder.getOrCreate(), master is not None
    except Exception as e:
        raise Unreachable(
            f"Could not start Spark on {master or 'this cluster'}: {_first_line(str(e))}",
            hint="Spark needs Java 17 or later (Debian: apt-get install openjdk-17-jre-headless).",
        ) from e
