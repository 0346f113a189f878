"""Whether a backup can still be restored: every file its version references is where the
log says, at the size the log says; with `read_data`, every Parquet file decodes with the
row count the log records and every deletion vector matches its checksum.

A shallow backup's files are the source table's: when the source was vacuumed past the
version the backup recorded, the backup is broken, and the problem says which version.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from standby.backup.catalog import BackupEntry, Catalog, Problem, Verification, names
from standby.delta import DeltaLog, FileAction, load_snapshot
from standby.delta import dv as dvs
from standby.delta.presence import inventory, is_missing
from standby.delta.snapshot import is_absolute, object_path
from standby.errors import ObjectNotFound, StandbyError
from standby.storage import ObjectStore, is_local, open_store

READ_WORKERS = 8


@dataclass
class BackupCheck:
    """What verify found for one backup."""

    id: str
    table: str
    kind: str
    location: str
    version: int
    source_version: int
    ok: bool = True
    files_checked: int = 0
    bytes_checked: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class VerifyResult:
    """What backup verify found: `ok` when every backup checked can be restored."""

    ok: bool
    read_data: bool
    backups: list[BackupCheck]

    @property
    def broken(self) -> list[BackupCheck]:
        return [b for b in self.backups if not b.ok]


def verify_backups(
    catalogs: list[Catalog],
    *,
    policy: str | None = None,
    table: str | None = None,
    read_data: bool = False,
    clock: Callable[[], float] = time.time,
) -> VerifyResult:
    """Check every backup (of a policy, of a table) and record each outcome in its catalog."""
    checks = []
    for catalog in catalogs:
        for entry in catalog.entries():
            if (policy and entry.policy != policy) or (table and not names(entry, table)):
                continue
            check = check_backup(entry, catalog.location(entry), read_data=read_data)
            catalog.record(
                Verification(
                    id=entry.id,
                    checked=int(clock() * 1000),
                    ok=check.ok,
                    read_data=read_data,
                    files_checked=check.files_checked,
                    problems=check.problems,
                )
            )
            checks.append(check)
    return VerifyResult(all(c.ok for c in checks), read_data, checks)


def check_backup(entry: BackupEntry, location: str, *, read_data: bool = False) -> BackupCheck:
    """Check one backup; never raises for what it finds, only for storage it cannot reach."""
    check = BackupCheck(
        entry.id, entry.table, entry.kind, location, entry.version, entry.source_version
    )
    store = open_store(location)
    try:
        snap = load_snapshot(DeltaLog(store), entry.version)
    except StandbyError as e:
        return _fail(check, "_delta_log", "log", f"version {entry.version}: {e.message}")
    files = _Files(store, entry)
    for f in snap.referenced_files():
        size = files.size(f)
        check.files_checked += 1
        if is_missing(f, size):
            _fail(check, f.path, "missing" if size is None else "truncated", _why(entry, f, size))
        else:
            check.bytes_checked += size or 0
    if read_data:
        bad = {p.path for p in check.problems}
        for path, kind, detail in _read_all(files, [a for a in snap.files.values()], bad):
            _fail(check, path, kind, detail)
    return check


def _why(entry: BackupEntry, f: FileAction, size: int | None) -> str:
    if entry.kind == "shallow" and not f.relative:
        return (
            f"the shallow backup needs this file of {entry.source} at version "
            f"{entry.source_version}; it is gone or cut short (was the source vacuumed?)"
        )
    if size is None:
        return "the backup's log references it, but it is not there"
    return f"{size} bytes stored; the log says {f.size}"


def _fail(check: BackupCheck, path: str, kind: str, detail: str) -> BackupCheck:
    check.ok = False
    check.problems.append(Problem(path=path, kind=kind, detail=detail))
    return check


class _Files:
    """Where each referenced file's bytes are, and their stored sizes: the backup's own
    files from one listing, a shallow backup's from one listing of the source."""

    def __init__(self, store: ObjectStore, entry: BackupEntry):
        self.store = store
        self.entry = entry
        self._own: dict[str, int] | None = None
        self._source: tuple[str, ObjectStore, dict[str, int]] | None = None

    def locate(self, path: str) -> tuple[ObjectStore, str]:
        if not is_absolute(path):
            return self.store, object_path(path)
        base, source, _ = self._source_listing()
        if path.startswith(base):
            return source, object_path(path[len(base) :])
        parent, _, name = path.rpartition("/")
        return open_store(parent), object_path(name)

    def read(self, path: str) -> bytes:
        store, key = self.locate(path)
        return store.get(key)

    def size(self, f: FileAction) -> int | None:
        if f.relative:
            if self._own is None:
                self._own = inventory(self.store)
            return self._own.get(object_path(f.path))
        store, key = self.locate(f.path)
        _, source, listing = self._source_listing()
        if store is source:
            return listing.get(key)
        try:
            return store.head(key).size
        except ObjectNotFound:
            return None

    def _source_listing(self) -> tuple[str, ObjectStore, dict[str, int]]:
        if self._source is None:
            source = open_store(self.entry.source)
            base = quote(source.url.rstrip("/"), safe=":/") + "/"
            self._source = (base, source, inventory(source))
        return self._source


def _read_all(
    files: _Files, adds: list[dict[str, Any]], skip: set[str]
) -> list[tuple[str, str, str]]:
    """(path, kind, detail) for each data file or deletion vector that does not read back."""
    wanted = [a for a in adds if a["path"] not in skip]
    vectors: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for a in wanted:
        dv = a.get("deletionVector")
        where = dv and (dvs.relative_path(dv) or dvs.absolute_path(dv))
        if dv and where and where not in skip:
            vectors.setdefault(where, []).append((a["path"], dv))

    def data(add: dict[str, Any]) -> list[tuple[str, str, str]]:
        problem = _parquet_problem(files.read(add["path"]), add)
        return [(add["path"], "unreadable", problem)] if problem else []

    def dv_file(where: str) -> list[tuple[str, str, str]]:
        blob = files.read(where)  # one read for every vector the file holds
        found = [(owner, dvs.stored_problem(blob, dv)) for owner, dv in vectors[where]]
        return [(where, "unreadable", f"deletion vector of {o}: {p}") for o, p in found if p]

    jobs: list[Callable[[], list[tuple[str, str, str]]]] = [
        *(partial(data, a) for a in wanted),
        *(partial(dv_file, w) for w in vectors),
    ]
    if len(jobs) <= 2 or is_local(files.store.url):
        return [p for job in jobs for p in job()]
    with ThreadPoolExecutor(READ_WORKERS) as pool:
        return [p for found in pool.map(lambda job: job(), jobs) for p in found]


def _parquet_problem(data: bytes, add: dict[str, Any]) -> str | None:
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        parquet.read()  # decodes every page: decompression and page checksums
    except Exception as e:  # pyarrow reports corruption as several exception types
        return f"does not read as Parquet: {e}"
    records = _num_records(add)
    rows = parquet.metadata.num_rows
    if records is not None and rows != records:
        return f"holds {rows} rows; the log's statistics say {records}"
    return None


def _num_records(add: dict[str, Any]) -> int | None:
    stats = add.get("stats")
    if not stats:
        return None
    try:
        value = json.loads(stats).get("numRecords")
    except (json.JSONDecodeError, AttributeError):
        return None
    return int(value) if value is not None else None
