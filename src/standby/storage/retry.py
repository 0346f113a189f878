"""RetryingStore: the retry policy, as a wrapper of the ObjectStore interface.

Only Unreachable is retried (obstore already maps 5xx, 429, resets and timeouts to it).
A put-if-absent that failed in flight may have landed: on retry, finding the object with
the very bytes we wrote counts as success, so a commit is never reported as a conflict
with itself.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from standby.errors import ObjectExists, Unreachable
from standby.storage.base import ObjectInfo, ObjectStore, PutMode

log = logging.getLogger(__name__)
T = TypeVar("T")


def with_retries(
    what: str,
    fn: Callable[[], T],
    *,
    attempts: int = 6,
    base_delay: float = 0.2,
    max_delay: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """fn(), retried on Unreachable with capped exponential backoff and jitter."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Unreachable as e:
            if attempt == attempts:
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
            log.warning("%s failed (%s); retry %d in %.2fs", what, e.message, attempt, delay)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


class RetryingStore:
    """Retries each call on Unreachable with capped exponential backoff and jitter."""

    def __init__(
        self,
        inner: ObjectStore,
        *,
        attempts: int = 6,
        base_delay: float = 0.2,
        max_delay: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.inner = inner
        self.url = inner.url
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"RetryingStore({self.inner!r})"

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        return with_retries(
            what,
            fn,
            attempts=self.attempts,
            base_delay=self.base_delay,
            max_delay=self.max_delay,
            sleep=self.sleep,
        )

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        return iter(
            self._call(f"list {prefix}", lambda: list(self.inner.list(prefix, offset=offset)))
        )

    def head(self, path: str) -> ObjectInfo:
        return self._call(f"head {path}", lambda: self.inner.head(path))

    def get(self, path: str) -> bytes:
        return self._call(f"get {path}", lambda: self.inner.get(path))

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        # A stream cut half-way restarts from the byte where it stopped would need ranges;
        # objects streamed here are copied whole, so the copier retries the whole object.
        return self.inner.stream(path, chunk_size=chunk_size)

    def put(self, path: str, data: bytes | Iterable[bytes], *, mode: PutMode = "overwrite") -> None:
        if mode != "create":
            if not isinstance(data, bytes):  # an iterator cannot be replayed: no retry
                return self.inner.put(path, data, mode=mode)
            return self._call(f"put {path}", lambda: self.inner.put(path, data, mode=mode))
        payload = data if isinstance(data, bytes) else b"".join(data)
        failed_once = False

        def attempt() -> None:
            nonlocal failed_once
            try:
                self.inner.put(path, payload, mode="create")
            except ObjectExists:
                if failed_once and self.inner.get(path) == payload:
                    return  # our own earlier attempt landed
                raise
            except Unreachable:
                failed_once = True
                raise

        self._call(f"put {path}", attempt)
        return None

    def copy(self, src: str, dst: str) -> None:
        self._call(f"copy {src}", lambda: self.inner.copy(src, dst))

    def delete(self, path: str) -> None:
        self._call(f"delete {path}", lambda: self.inner.delete(path))
