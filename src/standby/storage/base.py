"""The object-store boundary: a small interface every backend and wrapper implements.

Paths are relative to the store's root URL, '/'-separated, never starting with '/'.

Backends (LocalStore, ObstoreStore) make one attempt per call. Wrappers add one concern
each and delegate the rest; `open_store` composes them, in this order from the outside:
DryRunStore (when asked) -> RetryingStore -> backend. Retries live in RetryingStore alone:
obstore's own retries are off, and nothing else retries a storage call, so a call is tried
at most `Backoff.attempts` times with one backoff (see retry.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

PutMode = Literal["create", "overwrite"]
Payload = bytes | Iterable[bytes]


@dataclass(frozen=True)
class ObjectInfo:
    """What a listing or a head says of one object."""

    path: str
    size: int
    last_modified: datetime | None = None
    etag: str | None = None


@dataclass(frozen=True)
class Versioned:
    """An object's bytes and its version token, read together in one request.

    `etag` is what `put(..., if_match=etag)` compares: the S3/Azure ETag, the GCS
    generation, a local token that changes on every replace. On S3 the ETag of a simple
    put is a hash of the content: a rewrite of identical bytes keeps it.
    """

    data: bytes
    etag: str


@dataclass(frozen=True)
class TreeSize:
    """How many objects (and leftovers of killed writers) a prefix held, and their bytes."""

    files: int
    bytes: int


class ObjectStore(Protocol):
    """A bucket, container or directory, rooted at `url`.

    Every method raises ObjectNotFound, ObjectExists, ObjectChanged, AccessDenied,
    BucketNotFound, BadInput or Unreachable from standby.errors; never a vendor exception.
    Unreachable is the only error worth retrying. Nine methods: the seven of a plain store
    (list, head, get, stream, put, delete, and copy as `copy_from`, which also spans two
    stores so that every write goes through the destination's wrappers), plus
    `get_versioned` for compare-and-swap and `delete_prefix` for whole trees.
    """

    url: str

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        """Objects under `prefix` (a whole path segment), only those whose path sorts after
        `offset` (S3 start-after). Sorted by path. Idempotent. An absent prefix lists nothing.
        """
        ...

    def head(self, path: str) -> ObjectInfo:
        """Size and metadata of one object. Raises ObjectNotFound. Idempotent."""
        ...

    def get(self, path: str) -> bytes:
        """The whole object in memory; for small objects (logs, JSON). Raises ObjectNotFound.
        Idempotent."""
        ...

    def get_versioned(self, path: str) -> Versioned:
        """The object and its version token, from one request (no head+get race), for a
        later `put(..., if_match=...)`. Raises ObjectNotFound. Idempotent."""
        ...

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        """The object as chunks, for large objects with bounded memory. Raises ObjectNotFound;
        a stream cut mid-way raises Unreachable (not resumed: the caller restarts it)."""
        ...

    def put(
        self,
        path: str,
        data: Payload,
        *,
        mode: PutMode = "overwrite",
        if_match: str | None = None,
    ) -> None:
        """Write an object atomically: readers see all of it or nothing.

        mode="create" is put-if-absent: raises ObjectExists when the path is taken.
        if_match (with mode="overwrite") writes only over the version `if_match` names (an
        etag from get_versioned): raises ObjectChanged when the object is another version
        or absent. Idempotent only as an overwrite; a retried create or conditional put
        whose first attempt landed is told apart by RetryingStore (same bytes: success).
        """
        ...

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        """Copy `source`/`src_path` to `dst_path` in this store, overwriting atomically.

        The fastest way the pair allows: the kernel's copy when both are local, the
        server's copy within one store, a stream with bounded memory otherwise. Raises
        ObjectNotFound when the source object is missing. Idempotent.
        """
        ...

    def delete(self, path: str) -> None:
        """Remove one object; deleting a missing object is not an error. Idempotent."""
        ...

    def delete_prefix(self, prefix: str) -> TreeSize:
        """Remove everything under `prefix` (a whole path segment) and return what was
        there; on local disk also temporary files of killed writers and the directories left
        empty. Raises BadInput for an empty prefix (the whole store). Idempotent."""
        ...
