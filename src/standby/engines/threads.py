"""Copies on a thread pool: object copies are I/O (kernel copies, HTTP), so threads scale.

Each copy is `task.dst.copy_from(task.src, ...)`: the destination store's protocol, so its
wrappers (retries, dry run, counting, fault injection) see every copy, local ones too.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from standby.engines.base import CopyStats, CopyTask, NullProgress, Progress

DEFAULT_WORKERS = 8  # enough to keep a disk or a network link busy; more only adds contention
STOP_POLL = 0.05  # seconds between looks at `stop` while copies run
Finished = queue.SimpleQueue[tuple[CopyTask, Future[None]]]


def _copy(task: CopyTask) -> None:
    task.dst.copy_from(task.src, task.src_path, task.dst_path)


def _report(finished: Finished, task: CopyTask, future: Future[None]) -> None:
    finished.put((task, future))


class ThreadExecutor:
    def __init__(self, workers: int = DEFAULT_WORKERS):
        self.workers = workers

    def run(
        self,
        tasks: Sequence[CopyTask],
        *,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> CopyStats:
        """Copy every task; progress advances as each copy ends. The first failure cancels
        the copies not yet started, waits for those running, and is raised. Once `stop` is
        set, no further copy starts; the running ones end and count (`stopped` is set)."""
        progress = progress or NullProgress()
        progress.start(len(tasks), sum(t.size or 0 for t in tasks))
        stats = CopyStats()
        # Completions arrive on a queue: one wake-up per copy, where waiting on the set of
        # pending futures again after each one would cost O(n^2) lock round trips.
        finished: Finished = queue.SimpleQueue()
        try:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="standby-copy") as pool:
                futures = []
                for t in tasks:
                    future = pool.submit(_copy, t)
                    future.add_done_callback(partial(_report, finished, t))
                    futures.append(future)
                try:
                    self._collect(finished, len(tasks), futures, stats, progress, stop)
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
        finally:
            progress.finish()
        return stats

    @staticmethod
    def _collect(
        finished: Finished,
        count: int,
        futures: list[Future[None]],
        stats: CopyStats,
        progress: Progress,
        stop: threading.Event | None,
    ) -> None:
        """Take `count` completions off the queue, raising the first failure."""
        left = count
        while left:
            if stop is not None and stop.is_set() and not stats.stopped:
                stats.stopped = True
                for f in futures:
                    f.cancel()  # those not started: reported cancelled on the queue
            try:
                task, future = finished.get(timeout=None if stop is None else STOP_POLL)
            except queue.Empty:
                continue
            left -= 1
            if future.cancelled():
                continue
            if stats.stopped and future.exception() is not None:
                continue  # a copy that failed while stopping is redone next time
            future.result()
            stats.files += 1
            stats.bytes += task.size or 0
            progress.advance(task.size or 0)
