"""RetryingStore: the one retry layer of the storage boundary, as a wrapper of ObjectStore.

Only Unreachable is retried (backends map 5xx, 429, resets and timeouts to it); a definite
answer (not found, exists, changed, denied, rejected) never is. Backends make one attempt
per call, so a call costs at most `Backoff.attempts` requests, spaced by one capped,
jittered exponential backoff, and no new attempt starts once `Backoff.budget` seconds have
passed since the first. Clock and sleep are injectable: tests run it without sleeping.

A put-if-absent or conditional put that failed in flight may have landed: on retry,
finding the object holding the very bytes we wrote counts as success, so a commit or a
control object is never reported as a conflict with itself.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from standby.errors import ObjectChanged, ObjectExists, ObjectNotFound, Throttled, Unreachable
from standby.storage.base import (
    ObjectInfo,
    ObjectStore,
    Payload,
    PutMode,
    TreeSize,
    Versioned,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """When to try again: attempt n waits min(max_delay, base_delay * 2^(n-1)), less up to
    half of it as jitter (at least what a Throttled answer asked for)."""

    attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 10.0
    budget: float = 600.0  # seconds from the first attempt after which none starts
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, attempt: int, error: Unreachable) -> float:
        capped = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        wait = capped * (0.5 + self.jitter() / 2)
        if isinstance(error, Throttled) and error.retry_after is not None:
            wait = max(wait, error.retry_after)
        return wait

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """fn(), retried on Unreachable; the last Unreachable when the attempts or the
        budget run out."""
        started = self.clock()
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except Unreachable as e:
                wait = self.delay(attempt, e)
                spent = self.clock() - started
                if attempt == self.attempts or spent + wait > self.budget:
                    raise
                log.warning("%s failed (%s); retry %d in %.2fs", what, e.message, attempt, wait)
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


class RetryingStore:
    """Retries each call on Unreachable, with one Backoff."""

    def __init__(self, inner: ObjectStore, *, backoff: Backoff | None = None):
        self.inner = inner
        self.url = inner.url
        self.backoff = backoff or Backoff()

    def __repr__(self) -> str:
        return f"RetryingStore({self.inner!r})"

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        found = self.backoff.call(
            f"list {prefix}", lambda: list(self.inner.list(prefix, offset=offset))
        )
        return iter(found)

    def head(self, path: str) -> ObjectInfo:
        return self.backoff.call(f"head {path}", lambda: self.inner.head(path))

    def get(self, path: str) -> bytes:
        return self.backoff.call(f"get {path}", lambda: self.inner.get(path))

    def get_versioned(self, path: str) -> Versioned:
        return self.backoff.call(f"get {path}", lambda: self.inner.get_versioned(path))

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        # Not retried: a stream cut half-way would need ranges to resume. Copies go through
        # copy_from, which this wrapper retries whole.
        return self.inner.stream(path, chunk_size=chunk_size)

    def put(
        self,
        path: str,
        data: Payload,
        *,
        mode: PutMode = "overwrite",
        if_match: str | None = None,
    ) -> None:
        if mode == "overwrite" and if_match is None:
            if not isinstance(data, bytes):  # an iterator cannot be replayed: no retry
                return self.inner.put(path, data)
            return self.backoff.call(f"put {path}", lambda: self.inner.put(path, data))
        payload = data if isinstance(data, bytes) else b"".join(data)
        failed_once = False

        def attempt() -> None:
            nonlocal failed_once
            try:
                self.inner.put(path, payload, mode=mode, if_match=if_match)
            except (ObjectExists, ObjectChanged):
                if failed_once and self._holds(path, payload):
                    return  # our own earlier attempt landed
                raise
            except Unreachable:
                failed_once = True
                raise

        self.backoff.call(f"put {path}", attempt)
        return None

    def _holds(self, path: str, payload: bytes) -> bool:
        try:
            return self.inner.get(path) == payload
        except ObjectNotFound:
            return False

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        self.backoff.call(
            f"copy {src_path}", lambda: self.inner.copy_from(source, src_path, dst_path)
        )

    def delete(self, path: str) -> None:
        self.backoff.call(f"delete {path}", lambda: self.inner.delete(path))

    def delete_prefix(self, prefix: str) -> TreeSize:
        return self.backoff.call(f"delete {prefix}/", lambda: self.inner.delete_prefix(prefix))
