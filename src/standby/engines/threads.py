"""Copies on a thread pool: object copies are I/O (kernel copies, HTTP), so threads scale."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

from standby.engines.base import CopyStats, CopyTask, NullProgress, Progress

DEFAULT_WORKERS = 8  # enough to keep a disk or a network link busy; more only adds contention


class ThreadExecutor:
    def __init__(self, workers: int = DEFAULT_WORKERS):
        self.workers = workers

    def run(self, tasks: Sequence[CopyTask], *, progress: Progress | None = None) -> CopyStats:
        progress = progress or NullProgress()
        total = sum(t.size or 0 for t in tasks)
        progress.start(len(tasks), total)
        stats = CopyStats()
        if not tasks:
            progress.finish()
            return stats
        with ThreadPoolExecutor(self.workers, thread_name_prefix="standby-copy") as pool:
            futures: dict[Future[None], CopyTask] = {
                pool.submit(t.dst.copy_from, t.src, t.src_path, t.dst_path): t for t in tasks
            }
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    for f in done:
                        f.result()
                        task = futures[f]
                        stats.files += 1
                        stats.bytes += task.size or 0
                        progress.advance(task.size or 0)
            except BaseException:
                for f in pending:
                    f.cancel()
                raise
            finally:
                progress.finish()
        return stats
