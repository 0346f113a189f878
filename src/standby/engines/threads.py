"""Copies on a thread pool: object copies are I/O (kernel copies, HTTP), so threads scale.

Each copy is `task.dst.copy_from(task.src, ...)`: the destination store's protocol, so its
wrappers (retries, dry run, counting, fault injection) see every copy, local ones too.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from standby.engines.base import CopyStats, CopyTask, NullProgress, Progress

DEFAULT_WORKERS = 8  # enough to keep a disk or a network link busy; more only adds contention


Finished = queue.SimpleQueue[tuple[CopyTask, Future[None]]]


def _copy(task: CopyTask) -> None:
    task.dst.copy_from(task.src, task.src_path, task.dst_path)


def _report(finished: Finished, task: CopyTask, future: Future[None]) -> None:
    finished.put((task, future))


class ThreadExecutor:
    def __init__(self, workers: int = DEFAULT_WORKERS):
        self.workers = workers

    def run(self, tasks: Sequence[CopyTask], *, progress: Progress | None = None) -> CopyStats:
        """Copy every task; progress advances as each copy ends. The first failure cancels
        the copies not yet started, waits for those running, and is raised."""
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
                    for _ in tasks:
                        task, future = finished.get()
                        future.result()
                        stats.files += 1
                        stats.bytes += task.size or 0
                        progress.advance(task.size or 0)
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
        finally:
            progress.finish()
        return stats
