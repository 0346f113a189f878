"""Fault injection by wrapping a real ObjectStore and overriding one method (restic style).

    store = ErrorOnceStore(root.store(), "put")           # the first put fails, then works
    store = LostResponseStore(root.store(), "put")        # the put lands, its reply is lost
    store = TruncatingStore(root.store(), after=1)        # streams break after one chunk
    store = FlipLastByteStore(root.store())               # reads return corrupted bytes
    store = CountingStore(root.store()); store.calls["put"]   # standby.storage's own
    store = RecordingStore(root.store()); store.landed        # every write, in order

StoreWrapper and CountingStore are the library's (standby.storage.wrappers). Compose with
the real wrappers, as production does: RetryingStore(ErrorOnceStore(...)).
The HTTP-level faults (503s, dropped connections, latency) are in tests/fault_proxy.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from standby.errors import StandbyError, Unreachable
from standby.storage import CountingStore, ObjectStore, PutMode, StoreWrapper

__all__ = [
    "CountingStore",
    "ErrorOnceStore",
    "FlipLastByteStore",
    "Landed",
    "LostResponseStore",
    "RecordingStore",
    "StoreWrapper",
    "TruncatingStore",
]


def unreachable(store: ObjectStore, method: str) -> StandbyError:
    return Unreachable(f"injected: {method} on {store.url} failed", path=store.url)


class ErrorOnceStore(StoreWrapper):
    """`method` raises `error` (Unreachable by default) on its first `times` calls.

    The failing call does not reach the inner store: nothing happened there.
    """

    def __init__(
        self,
        inner: ObjectStore,
        method: str,
        *,
        times: int = 1,
        error: Callable[[ObjectStore, str], BaseException] = unreachable,
    ):
        super().__init__(inner)
        self.remaining = times
        self.failed = 0
        real = getattr(inner, method)

        def failing(*args: object, **kwargs: object) -> object:
            if self.remaining > 0:
                self.remaining -= 1
                self.failed += 1
                raise error(inner, method)
            return real(*args, **kwargs)

        setattr(self, method, failing)


class LostResponseStore(StoreWrapper):
    """`method` reaches the inner store (the change lands), then raises Unreachable as if
    the reply had been lost; `times` calls do so, later ones behave."""

    def __init__(self, inner: ObjectStore, method: str, *, times: int = 1):
        super().__init__(inner)
        self.remaining = times
        real = getattr(inner, method)

        def lost(*args: object, **kwargs: object) -> object:
            result = real(*args, **kwargs)
            if self.remaining > 0:
                self.remaining -= 1
                raise unreachable(inner, method)
            return result

        setattr(self, method, lost)


class TruncatingStore(StoreWrapper):
    """Streams yield `after` chunks, then fail with Unreachable (a connection cut mid-body);
    `times` streams do so, later ones are whole."""

    def __init__(self, inner: ObjectStore, *, after: int = 1, times: int = 1):
        super().__init__(inner)
        self.after = after
        self.remaining = times

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        if self.remaining <= 0:
            return self.inner.stream(path, chunk_size=chunk_size)
        self.remaining -= 1
        return self._cut(self.inner.stream(path, chunk_size=chunk_size))

    def _cut(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for n, chunk in enumerate(chunks):
            if n == self.after:
                raise unreachable(self.inner, "stream")
            yield chunk


class FlipLastByteStore(StoreWrapper):
    """get and stream return the object with its last byte inverted: silent corruption."""

    def get(self, path: str) -> bytes:
        return _flip_last(self.inner.get(path))

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        pending: bytes | None = None
        for chunk in self.inner.stream(path, chunk_size=chunk_size):
            if pending is not None:
                yield pending
            pending = chunk
        if pending is not None:
            yield _flip_last(pending)


@dataclass(frozen=True)
class Landed:
    path: str
    mode: str  # create | overwrite | copy


class RecordingStore(StoreWrapper):
    """Records every object written (puts and copies), in the order the writes completed."""

    def __init__(self, inner: ObjectStore):
        super().__init__(inner)
        self.landed: list[Landed] = []
        self._lock = threading.Lock()

    def put(
        self,
        path: str,
        data: bytes | Iterable[bytes],
        *,
        mode: PutMode = "overwrite",
        if_match: str | None = None,
    ) -> None:
        self.inner.put(path, data, mode=mode, if_match=if_match)
        with self._lock:
            self.landed.append(Landed(path, mode))

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        self.inner.copy_from(source, src_path, dst_path)
        with self._lock:
            self.landed.append(Landed(dst_path, "copy"))


def _flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF]) if data else data
