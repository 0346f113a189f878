"""Wrappers of the ObjectStore interface that change nothing but add an observer.

StoreWrapper delegates every method to `inner`; a wrapper overrides what it adds to
(restic's way of injecting faults: wrap a real backend, override one method).
CountingStore counts calls per method, for tests and benches that pin request costs.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

from standby.storage.base import (
    ObjectInfo,
    ObjectStore,
    Payload,
    PutMode,
    TreeSize,
    Versioned,
)

METHODS = (
    "list",
    "head",
    "get",
    "get_versioned",
    "stream",
    "put",
    "copy_from",
    "delete",
    "delete_prefix",
)


class StoreWrapper:
    """Delegates every ObjectStore method to `inner`."""

    def __init__(self, inner: ObjectStore):
        self.inner = inner
        self.url = inner.url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inner!r})"

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        return self.inner.list(prefix, offset=offset)

    def head(self, path: str) -> ObjectInfo:
        return self.inner.head(path)

    def get(self, path: str) -> bytes:
        return self.inner.get(path)

    def get_versioned(self, path: str) -> Versioned:
        return self.inner.get_versioned(path)

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        return self.inner.stream(path, chunk_size=chunk_size)

    def put(
        self,
        path: str,
        data: Payload,
        *,
        mode: PutMode = "overwrite",
        if_match: str | None = None,
    ) -> None:
        self.inner.put(path, data, mode=mode, if_match=if_match)

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        self.inner.copy_from(source, src_path, dst_path)

    def delete(self, path: str) -> None:
        self.inner.delete(path)

    def delete_prefix(self, prefix: str) -> TreeSize:
        return self.inner.delete_prefix(prefix)


class CountingStore(StoreWrapper):
    """Counts the calls of every method in `calls` (a Counter keyed by method name), from
    any number of threads. A call counts when it is made, whatever its outcome."""

    def __init__(self, inner: ObjectStore):
        super().__init__(inner)
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _count(self, method: str) -> None:
        with self._lock:
            self.calls[method] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        self._count("list")
        return self.inner.list(prefix, offset=offset)

    def head(self, path: str) -> ObjectInfo:
        self._count("head")
        return self.inner.head(path)

    def get(self, path: str) -> bytes:
        self._count("get")
        return self.inner.get(path)

    def get_versioned(self, path: str) -> Versioned:
        self._count("get_versioned")
        return self.inner.get_versioned(path)

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        self._count("stream")
        return self.inner.stream(path, chunk_size=chunk_size)

    def put(
        self,
        path: str,
        data: Payload,
        *,
        mode: PutMode = "overwrite",
        if_match: str | None = None,
    ) -> None:
        self._count("put")
        self.inner.put(path, data, mode=mode, if_match=if_match)

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        self._count("copy_from")
        self.inner.copy_from(source, src_path, dst_path)

    def delete(self, path: str) -> None:
        self._count("delete")
        self.inner.delete(path)

    def delete_prefix(self, prefix: str) -> TreeSize:
        self._count("delete_prefix")
        return self.inner.delete_prefix(prefix)
