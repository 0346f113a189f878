"""The copy-executor boundary: a batch of object copies in, totals out."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from standby.storage.base import ObjectStore


@dataclass(frozen=True)
class CopyTask:
    """Copy one object; `size` is what the log says it should be (None: unknown)."""

    src: ObjectStore
    src_path: str
    dst: ObjectStore
    dst_path: str
    size: int | None = None


@dataclass
class CopyStats:
    files: int = 0
    bytes: int = 0
    stopped: bool = False  # `stop` was set: some tasks were not copied


class Progress(Protocol):
    """Told how much work there is and how it advances; rendering is the caller's business."""

    def start(self, files: int, total_bytes: int) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def finish(self) -> None: ...


class NullProgress:
    def start(self, files: int, total_bytes: int) -> None:
        return None

    def advance(self, nbytes: int) -> None:
        return None

    def finish(self) -> None:
        return None


class CopyExecutor(Protocol):
    def run(
        self,
        tasks: Sequence[CopyTask],
        *,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> CopyStats:
        """Copy every task; raise the first failure after cancelling what has not started.
        Once `stop` is set, start no further copy, let the running ones end, and return
        what was copied with `stopped` set (a user's Ctrl-C waits for seconds, not hours).

        Idempotent: each copy overwrites its destination atomically.
        """
        ...
