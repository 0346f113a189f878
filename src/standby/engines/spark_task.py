"""The Spark side of a copy batch: the plan the driver ships, and what one task runs.

Nothing here imports pyspark at module level, so the driver plans without Spark's start-up
and a test reads a plan as plain data. A task receives one Chunk: store references (URLs
and secret *names*), and the files to copy, sorted by destination path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from standby.engines.base import CopyTask
from standby.engines.copying import FileResult, copy_result, present
from standby.engines.refs import Opener, StoreRef, open_ref
from standby.errors import StandbyError, Unreachable

THREADS_PER_TASK = 4  # copies are I/O: a few in flight keep an executor core busy


@dataclass(frozen=True)
class PlannedCopy:
    """One file of a chunk; `src` and `dst` index the chunk's stores."""

    src: int
    src_path: str
    dst: int
    dst_path: str
    size: int | None


@dataclass(frozen=True)
class Chunk:
    """The files one Spark task copies, with the stores they name (by reference)."""

    index: int
    stores: tuple[StoreRef, ...]
    copies: tuple[PlannedCopy, ...]

    @property
    def bytes(self) -> int:
        return sum(c.size or 0 for c in self.copies)


Planned = tuple[StoreRef, str, StoreRef, str, int | None]  # src, src_path, dst, dst_path, size


def plan_chunks(copies: Sequence[Planned], chunks: int) -> list[Chunk]:
    """Split copies into at most `chunks` contiguous runs of about equal bytes.

    Deterministic: sorted and keyed by destination (URL, path), a destination once; the
    same input always gives the same chunks, so a rerun or a retried task does the same work.
    """
    by_dst: dict[tuple[str, str], Planned] = {}
    for c in copies:
        by_dst.setdefault((c[2].url, c[3]), c)
    ordered = [by_dst[k] for k in sorted(by_dst)]
    if not ordered:
        return []
    n = max(1, min(chunks, len(ordered)))
    weights = [max(1, c[4] or 0) for c in ordered]
    total = sum(weights)
    groups: list[list[Planned]] = [[] for _ in range(n)]
    seen = 0
    for c, w in zip(ordered, weights, strict=True):
        # A file goes to the run its middle byte falls in: contiguous, balanced by bytes.
        groups[min(n - 1, (seen + w // 2) * n // total)].append(c)
        seen += w
    return [_chunk(i, g) for i, g in enumerate(g for g in groups if g)]


def _chunk(index: int, group: list[Planned]) -> Chunk:
    stores: dict[StoreRef, int] = {}
    copies = []
    for src, src_path, dst, dst_path, size in group:
        s = stores.setdefault(src, len(stores))
        d = stores.setdefault(dst, len(stores))
        copies.append(PlannedCopy(s, src_path, d, dst_path, size))
    return Chunk(index, tuple(stores), tuple(copies))


def copy_partition(
    chunks: Iterable[Chunk], *, opener: Opener = open_ref, threads: int = THREADS_PER_TASK
) -> Iterator[FileResult]:
    """Copy every file of the partition's chunks; runs on an executor.

    Unreachable (after the store's own retries) and bugs fail the task, so Spark retries it;
    a retry skips what an earlier attempt left whole. Errors retrying cannot fix come back
    as results. A speculative duplicate is harmless: each copy is an atomic overwrite.
    """
    retry = _attempt() > 0
    for chunk in chunks:
        try:
            stores = [opener(ref) for ref in chunk.stores]
        except Unreachable:
            raise
        except StandbyError as e:
            for c in chunk.copies:
                yield FileResult(c.dst_path, error=e.message, error_type=type(e).__name__)
            continue
        tasks = [
            CopyTask(stores[c.src], c.src_path, stores[c.dst], c.dst_path, c.size)
            for c in chunk.copies
        ]
        with ThreadPoolExecutor(max(1, threads), thread_name_prefix="standby-task") as pool:
            yield from pool.map(lambda t: _copy(t, retry=retry), tasks)


def _copy(task: CopyTask, *, retry: bool) -> FileResult:
    if retry and present(task.dst, task.dst_path, task.size):
        return FileResult(task.dst_path, task.size or 0)
    return copy_result(task)


def _attempt() -> int:
    from pyspark import TaskContext  # only on an executor: the driver never calls this

    ctx = TaskContext.get()
    return ctx.attemptNumber() if ctx is not None else 0
