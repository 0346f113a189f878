"""DryRunStore: reads pass through, writes are recorded as the plan and never executed.

A dry run composed with it cannot write, by construction, and runs the very code a real
run runs. So that it also plans what the real run would do, the recorded writes answer
the dry run's own later reads: a recorded put or copy is listed, headed and read back (a
copy's bytes are read from its source on demand); a recorded delete hides the object.
Conditions are checked as the real store would: a put-if-absent over an existing object
raises ObjectExists, a conditional put over another version ObjectChanged, a copy of a
missing source ObjectNotFound.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from standby.errors import BadInput, ObjectChanged, ObjectExists, ObjectNotFound
from standby.storage.base import (
    ObjectInfo,
    ObjectStore,
    Payload,
    PutMode,
    TreeSize,
    Versioned,
)
from standby.storage.url import redact

WriteKind = Literal["put", "copy", "delete", "delete_prefix"]


@dataclass(frozen=True)
class PlannedWrite:
    """One write a dry run would have made; `bytes` written (or removed, for deletes)."""

    kind: WriteKind
    path: str
    bytes: int
    source: str | None = None  # a copy's source object, redacted


@dataclass(frozen=True)
class _Entry:
    """An object as the recorded writes left it: its bytes, or where a copy reads them."""

    size: int
    etag: str
    data: bytes | None = None
    source: tuple[ObjectStore, str] | None = None


def _under(path: str, prefix: str) -> bool:
    """Whether `path` lies under `prefix`, a whole path segment ('' is everything)."""
    base = prefix.strip("/")
    return not base or path.startswith(base + "/")


class DryRunStore:
    """Records writes in `plan` instead of making them; see the module docstring."""

    def __init__(self, inner: ObjectStore):
        self.inner = inner
        self.url = inner.url
        self.plan: list[PlannedWrite] = []
        self._objects: dict[str, _Entry | None] = {}  # None: deleted by the plan
        self._gone: list[str] = []  # prefixes deleted by the plan
        self._lock = threading.Lock()
        self._versions = itertools.count(1)

    def __repr__(self) -> str:
        return f"DryRunStore({self.inner!r})"

    # -- reads: the inner store as the recorded writes would have left it ------------------

    def _touched(self, path: str) -> tuple[bool, _Entry | None]:
        """(whether the plan wrote or deleted `path`, the object it left there or None)."""
        with self._lock:
            if path in self._objects:
                return True, self._objects[path]
            return any(_under(path, p) for p in self._gone), None

    def _entry(self, path: str) -> _Entry | None:
        """The recorded object, None when the inner store answers; ObjectNotFound when the
        plan deleted it."""
        touched, entry = self._touched(path)
        if touched and entry is None:
            raise ObjectNotFound(f"{redact(self.url)}/{path} does not exist.", path=path)
        return entry

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        found = {
            o.path: o
            for o in self.inner.list(prefix, offset=offset)
            if not self._touched(o.path)[0]
        }
        with self._lock:
            for path, entry in self._objects.items():
                if entry and _under(path, prefix) and (offset is None or path > offset):
                    found[path] = ObjectInfo(path, entry.size, etag=entry.etag)
        return iter(sorted(found.values(), key=lambda o: o.path))

    def head(self, path: str) -> ObjectInfo:
        entry = self._entry(path)
        return ObjectInfo(path, entry.size, etag=entry.etag) if entry else self.inner.head(path)

    def get(self, path: str) -> bytes:
        return self.get_versioned(path).data if self._entry(path) else self.inner.get(path)

    def get_versioned(self, path: str) -> Versioned:
        entry = self._entry(path)
        if entry is None:
            return self.inner.get_versioned(path)
        if entry.source is not None:
            store, src_path = entry.source
            return Versioned(store.get(src_path), entry.etag)
        return Versioned(entry.data or b"", entry.etag)

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        entry = self._entry(path)
        if entry is None:
            return self.inner.stream(path, chunk_size=chunk_size)
        if entry.source is not None:
            store, src_path = entry.source
            return store.stream(src_path, chunk_size=chunk_size)
        return iter([entry.data or b""])

    # -- writes: checked as the real store would, then recorded -----------------------------

    def _etag(self, path: str) -> str | None:
        try:
            return self.get_versioned(path).etag
        except ObjectNotFound:
            return None

    def _record(self, write: PlannedWrite, entry: _Entry | None) -> None:
        with self._lock:
            self.plan.append(write)
            self._objects[write.path] = entry

    def put(
        self,
        path: str,
        data: Payload,
        *,
        mode: PutMode = "overwrite",
        if_match: str | None = None,
    ) -> None:
        if if_match is not None and mode == "create":
            raise BadInput("A put is either put-if-absent or conditional on a version, not both.")
        payload = data if isinstance(data, bytes) else b"".join(data)
        if mode == "create" and self._exists(path):
            raise ObjectExists(f"{redact(self.url)}/{path} already exists.", path=path)
        if if_match is not None and self._etag(path) != if_match:
            raise ObjectChanged(
                f"{redact(self.url)}/{path} changed since it was read (or is gone).", path=path
            )
        entry = _Entry(len(payload), f"dry-run-{next(self._versions)}", data=payload)
        self._record(PlannedWrite("put", path, len(payload)), entry)

    def _exists(self, path: str) -> bool:
        try:
            self.head(path)
            return True
        except ObjectNotFound:
            return False

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        size = source.head(src_path).size  # ObjectNotFound, as the real copy would raise
        origin = f"{redact(source.url)}/{src_path}"
        entry = _Entry(size, f"dry-run-{next(self._versions)}", source=(source, src_path))
        self._record(PlannedWrite("copy", dst_path, size, origin), entry)

    def delete(self, path: str) -> None:
        try:
            size = self.head(path).size
        except ObjectNotFound:
            size = 0
        self._record(PlannedWrite("delete", path, size), None)

    def delete_prefix(self, prefix: str) -> TreeSize:
        if not prefix.strip("/"):
            raise BadInput(f"Refusing to delete the whole store {redact(self.url)}.")
        objects = list(self.list(prefix.strip("/") + "/"))
        found = TreeSize(len(objects), sum(o.size for o in objects))
        with self._lock:
            self.plan.append(PlannedWrite("delete_prefix", prefix.strip("/"), found.bytes))
            self._gone.append(prefix)
            for path in [p for p in self._objects if _under(p, prefix)]:
                del self._objects[path]
        return found
