"""The sandbox's workspace state: named collections of JSON records, kept in memory and,
when given a path, in one JSON file so that a restart finds the same workspace.

Writes are coalesced by a background flusher (a listing of 10,000 jobs must not rewrite the
file 10,000 times) and are atomic (temp file + fsync + rename): a crash leaves the previous
complete state. `close()` flushes. The file may hold secret values, because the sandbox
stands in for a workspace that holds them; nothing here logs record contents.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

from standby.errors import BadInput

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
Record = dict[str, Any]  # one object of a collection, in the REST API's JSON shape

# Collection names, here because endpoint modules cross-reference each other's records.
JOBS = "jobs"
RUNS = "runs"
CLUSTERS = "clusters"
POLICIES = "cluster_policies"
POOLS = "instance_pools"
INIT_SCRIPTS = "global_init_scripts"
WAREHOUSES = "warehouses"
OBJECTS = "workspace_objects"
PERMISSIONS = "permissions"


class Store:
    """Collections of records keyed by id, a metadata dict, and counters.

    Not thread-safe by itself: the server holds `lock` around each request, so a handler
    sees and changes a consistent state.
    """

    def __init__(self, path: Path | None = None, *, flush_interval: float = 0.05):
        self.path = path
        self.lock = threading.RLock()
        self.meta: dict[str, Any] = {}
        self.counters: dict[str, int] = {}
        self._collections: dict[str, dict[str, Record]] = {}
        self._dirty = threading.Event()
        self._closing = threading.Event()
        self._flush_interval = flush_interval
        self._flusher: threading.Thread | None = None
        self.fresh = True
        if path is not None and path.exists():
            self._load(path)
            self.fresh = False

    def collection(self, kind: str) -> dict[str, Record]:
        """The records of one kind (`jobs`, `clusters`, ...), created empty on first use."""
        return self._collections.setdefault(kind, {})

    def next_id(self, kind: str, *, start: int = 1) -> int:
        """A new integer id for `kind`, never reused, surviving restarts."""
        value = self.counters.get(kind, start - 1) + 1
        self.counters[kind] = value
        return value

    def identity(self, name: str, token: str | None) -> None:
        """Fix the workspace's name, token and id on first start; keep them on a restart."""
        self.meta.setdefault("name", name)
        self.meta.setdefault("workspace_id", str(1_000_000_000_000 + secrets.randbelow(10**12)))
        self.meta.setdefault("id_base", 10**11 + secrets.randbelow(9 * 10**11))
        if token:
            self.meta["token"] = token
        self.meta.setdefault("token", "dapi" + secrets.token_hex(16))
        self.changed()

    def start_writing(self) -> None:
        """Begin persisting (once the sandbox serves): a start that fails writes nothing."""
        if self.path is not None and self._flusher is None:
            self._flusher = threading.Thread(target=self._flush_loop, daemon=True)
            self._flusher.start()

    def changed(self) -> None:
        """Note a change; the flusher writes it soon (at once when nothing is pending)."""
        if self.path is not None:
            self._dirty.set()

    def flush(self) -> None:
        """Write the state now (atomically), if it is persisted."""
        if self.path is None:
            return
        with self.lock:
            self._dirty.clear()
            text = json.dumps(
                {
                    "format": FORMAT_VERSION,
                    "meta": self.meta,
                    "counters": self.counters,
                    "collections": self._collections,
                },
                separators=(",", ":"),
            )
        _atomic_write(self.path, text)

    def close(self) -> None:
        """Stop the flusher and write the final state (if writing had started)."""
        self._closing.set()
        self._dirty.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
            self.flush()

    def _flush_loop(self) -> None:
        while not self._closing.is_set():
            self._dirty.wait()
            if self._closing.is_set():
                return
            try:
                self.flush()
            except OSError as e:  # keep serving; the next change retries the write
                log.warning("sandbox state could not be written to %s: %s", self.path, e)
            self._closing.wait(self._flush_interval)

    def _load(self, path: Path) -> None:
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise BadInput(
                f"The sandbox state file {path} cannot be read: {e}.",
                hint="Point --state at a file written by `standby sandbox up`, or a new path.",
            ) from e
        if not isinstance(doc, dict) or doc.get("format") != FORMAT_VERSION:
            raise BadInput(
                f"The sandbox state file {path} is not a standby sandbox state "
                f"(format {doc.get('format') if isinstance(doc, dict) else None!r}).",
                hint="Use another --state path; this one holds something else.",
            )
        self.meta = dict(doc.get("meta", {}))
        self.counters = {k: int(v) for k, v in doc.get("counters", {}).items()}
        self._collections = {k: dict(v) for k, v in doc.get("collections", {}).items()}


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)  # the state holds the sandbox's token and secret values
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
