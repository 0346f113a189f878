"""The object-store boundary: a small interface every backend and wrapper implements.

Paths are relative to the store's root URL, '/'-separated, never starting with '/'.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

PutMode = Literal["create", "overwrite"]


@dataclass(frozen=True)
class ObjectInfo:
    """What a listing or a head says of one object."""

    path: str
    size: int
    last_modified: datetime | None = None
    etag: str | None = None


class ObjectStore(Protocol):
    """A bucket, container or directory, rooted at `url`.

    Every method raises ObjectNotFound, ObjectExists, AccessDenied or Unreachable from
    standby.errors; never a vendor exception.
    """

    url: str

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        """Objects under `prefix`, only those whose path sorts after `offset` (S3 start-after).

        Sorted by path. Idempotent. Cost on S3/Azure grows with what follows `offset`.
        """
        ...

    def head(self, path: str) -> ObjectInfo:
        """Size and metadata of one object. Raises ObjectNotFound. Idempotent."""
        ...

    def get(self, path: str) -> bytes:
        """The whole object in memory; for small objects (logs, JSON). Raises ObjectNotFound."""
        ...

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        """The object as chunks, for large objects with bounded memory. Raises ObjectNotFound."""
        ...

    def put(self, path: str, data: bytes | Iterable[bytes], *, mode: PutMode = "overwrite") -> None:
        """Write an object atomically: readers see all of it or nothing.

        mode="create" is put-if-absent and raises ObjectExists when the path is taken.
        """
        ...

    def copy(self, src: str, dst: str) -> None:
        """Server-side copy within this store, overwriting dst. Raises ObjectNotFound."""
        ...

    def delete(self, path: str) -> None:
        """Remove one object; deleting a missing object is not an error. Idempotent."""
        ...
