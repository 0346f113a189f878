"""Acceptance 2 of scale-out: a Spark task that fails on its first attempt is retried by
Spark and the copy is right; a task that always fails makes the run fail as unreachable
(exit 4) with no commit published past the files that exist; SIGKILL of the driver in the
middle of a batch, then a rerun with threads, completes without copying a finished file
again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import deltalake
import pytest
from bench.table_ops import make_table

from standby.engines import CopyStats, CopyTask, Progress, ThreadExecutor
from standby.engines.spark import SparkExecutor
from standby.errors import Unreachable, exit_code_for
from standby.replication import replicate_table
from tests.engines.faults import (
    ALWAYS,
    FIRST_ATTEMPT,
    open_always_failing,
    open_failing_first_attempt,
)
from tests.engines.spark_session import SparkHandle
from tests.fault_proxy import fault_proxy
from tests.replication._processes import Spawned
from tests.replication._support import assert_valid_replica, data_files, grow
from tests.servers import Root
from tests.uploads import upload

FILES = 150


def _new_log(path: Path, since: int) -> str:
    return path.read_bytes()[since:].decode(errors="replace")


def test_a_task_failing_on_its_first_attempt_is_retried(spark: SparkHandle, tmp_path: Path) -> None:
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    grow(src, 12)
    mark = spark.executor_log.stat().st_size
    executor = SparkExecutor(session=spark.session, opener=open_failing_first_attempt)
    result = replicate_table(src, dst, executor=executor, history="all")
    assert result.to_version == 11 and result.files_copied > 0
    assert assert_valid_replica(src, dst) == 11
    logged = _new_log(spark.executor_log, mark)
    assert FIRST_ATTEMPT in logged and "Lost task" in logged  # Spark saw the failures
    assert "Aborting" not in logged  # and retried each of them to success


def test_a_task_that_always_fails_is_unreachable_and_publishes_nothing_new(
    spark: SparkHandle, tmp_path: Path
) -> None:
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    start = grow(src, 5)
    replicate_table(src, dst, executor=ThreadExecutor())
    grow(src, 5, start=start)
    executor = SparkExecutor(session=spark.session, opener=open_always_failing)
    with pytest.raises(Unreachable, match=ALWAYS) as failed:
        replicate_table(src, dst, executor=executor)
    assert exit_code_for(failed.value) == 4
    assert assert_valid_replica(src, dst) == 4  # where it was: no commit past its files


class Recording:
    """A CopyExecutor that remembers every destination it was asked to copy."""

    def __init__(self, inner: ThreadExecutor):
        self.inner = inner
        self.copied: list[str] = []

    def run(
        self,
        tasks: Sequence[CopyTask],
        *,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> CopyStats:
        self.copied.extend(t.dst_path for t in tasks)
        return self.inner.run(tasks, progress=progress, stop=stop)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.mark.slow
def test_sigkill_of_the_driver_mid_batch_then_threads_finish_without_recopying(
    make_root: Callable[[str], Root], tmp_path: Path
) -> None:
    """The driver is a real `standby replicate --engine spark` process with a Spark of its
    own (local[1]), reading from S3 through a proxy that slows each request."""
    root = make_root("s3")
    make_table(tmp_path / "built", total_bytes=FILES * 16 * 1024, files=FILES)
    source = upload(tmp_path / "built", root, "t")
    dst = tmp_path / "replica"
    with fault_proxy(os.environ["AWS_ENDPOINT_URL"]) as proxy:
        proxy.latency = 0.04  # copies take seconds, so the kill lands among them
        env = {"AWS_ENDPOINT_URL": proxy.url, "SPARK_LOCAL_IP": "127.0.0.1"}
        argv = ["--json", "replicate", "--engine", "spark", "--spark-master", "local[1]"]
        driver = Spawned([*argv, source, str(dst)], tmp_path / "driver.log", env)
        _wait_until(
            lambda: len(data_files(str(dst))) >= 5 if dst.exists() else False,
            180,
            f"no copy landed: {(tmp_path / 'driver.log').read_text()[-2000:]}",
        )
        spawned = _descendants(driver.pid)  # the JVM and its Python workers
        driver.kill()
        driver.wait()
        for pid in spawned:  # they notice the driver is gone and exit
            proc = Path(f"/proc/{pid}")
            _wait_until(lambda proc=proc: not proc.exists(), 60, f"{pid} lives")  # type: ignore[misc]
    finished = data_files(str(dst))
    assert 5 <= len(finished) < FILES, len(finished)  # killed mid-batch
    assert not list((dst / "_delta_log").glob("*.json")) if (dst / "_delta_log").exists() else 1

    rerun = Recording(ThreadExecutor())
    result = replicate_table(source, str(dst), executor=rerun)
    assert result.to_version == 0 and result.files_copied == FILES - len(finished)
    assert not set(rerun.copied) & set(finished)
    after = data_files(str(dst))
    assert all(after[p] == finished[p] for p in finished)  # same inode: never copied again
    assert deltalake.DeltaTable(str(dst)).version() == 0
    # random bytes, not Parquet: the same files at the same sizes, all present, is equality
    valid = assert_valid_replica(source, str(dst), options=root.storage_options, compare_rows=False)
    assert valid == 0
