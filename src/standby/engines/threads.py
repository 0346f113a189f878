"""Copies on a thread pool: object copies are I/O (kernel copies, HTTP), so threads scale."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

from standby.engines.base import CopyStats, CopyTask, NullProgress, Progress
from standby.storage.copy import copy_object

DEFAULT_WORKERS = 8  # enough to keep a disk or a network link busy; more only adds contention
STOP_POLL = 0.05  # seconds between looks at `stop` while copies run


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
        progress = progress or NullProgress()
        total = sum(t.size or 0 for t in tasks)
        progress.start(len(tasks), total)
        stats = CopyStats()
        if not tasks:
            progress.finish()
            return stats
        with ThreadPoolExecutor(self.workers, thread_name_prefix="standby-copy") as pool:
            futures: dict[Future[None], CopyTask] = {
                pool.submit(copy_object, t.src, t.src_path, t.dst, t.dst_path): t for t in tasks
            }
            pending = set(futures)

            def count(f: Future[None]) -> None:
                stats.files += 1
                stats.bytes += futures[f].size or 0
                progress.advance(futures[f].size or 0)

            try:
                while pending:
                    timeout = None if stop is None else STOP_POLL
                    done, pending = wait(pending, timeout, return_when=FIRST_EXCEPTION)
                    for f in done:
                        f.result()
                        count(f)
                    if pending and stop is not None and stop.is_set():
                        stats.stopped = True
                        running = {f for f in pending if not f.cancel()}
                        pending = set()
                        for f in wait(running).done:
                            if f.exception() is None:  # a failed copy is redone next time
                                count(f)
            except BaseException:
                for f in pending:
                    f.cancel()
                raise
            finally:
                progress.finish()
        return stats
