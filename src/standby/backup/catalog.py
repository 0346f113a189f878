"""The backup catalog: one JSON object per backup under `<backup root>/_standby/backups/`.

An entry is written with put-if-absent only once its backup is complete and checked, so an
entry always names a whole backup; a backup without one is a leftover of a killed run.
Entries hold paths relative to the backup root, so a copied or moved root stays readable.
Verification results live apart (`_standby/verifications/`): verify never rewrites an entry.
"""

from __future__ import annotations

import logging
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from standby.errors import BadInput, ObjectExists, ObjectNotFound, Refused
from standby.storage import ObjectStore, is_local, join, normalize, open_store, redact

log = logging.getLogger(__name__)

CATALOG_DIR = "_standby/backups"
VERIFY_DIR = "_standby/verifications"
READ_WORKERS = 16
BackupKind = Literal["deep", "shallow", "incremental"]
_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6,32}$")


class _Record(BaseModel):
    # Unknown fields are ignored: entries written by a newer standby stay readable.
    model_config = ConfigDict(extra="ignore", frozen=True)


class BackupEntry(_Record):
    """One backup of one table: what it holds and where, as the catalog records it."""

    id: str
    run_id: str
    policy: str
    table: str  # as the policy names it: a Unity Catalog name or a storage URI
    source: str  # the table's storage URI (redacted)
    source_version: int
    source_commit_time: int | None  # ms since the epoch, from the source's log
    kind: BackupKind
    path: str  # the backup table, relative to the backup root
    version: int  # the backup table's version that reads as the source at source_version
    files: int
    size_bytes: int
    copied_files: int
    copied_bytes: int
    started: int  # ms since the epoch
    created: int  # ms since the epoch: when the backup was complete
    status: Literal["complete"] = "complete"


class Problem(_Record):
    """One thing wrong with a backup: a file (or the log) and what is wrong with it."""

    path: str
    kind: str  # missing | truncated | unreadable | log
    detail: str


class Verification(_Record):
    """The latest `backup verify` of one backup."""

    id: str
    checked: int  # ms since the epoch
    ok: bool
    read_data: bool
    files_checked: int
    problems: list[Problem] = []


class ListedBackup(BackupEntry):
    """A catalog entry as `backup list` shows it: where it is and whether it is good."""

    location: str
    state: Literal["verified", "broken"]  # every backup is checked before it is recorded
    checked: int  # ms since the epoch: the latest check, by its run or by verify


def list_backups(
    catalogs: list[Catalog], *, table: str | None = None, policy: str | None = None
) -> list[ListedBackup]:
    """The backups of every catalog, oldest first; only a table's (by name or URI) or a
    policy's when asked."""
    out = []
    for catalog in catalogs:
        checks = catalog.verifications()
        for e in catalog.entries():
            if (table and not names(e, table)) or (policy and e.policy != policy):
                continue
            v = checks.get(e.id)
            out.append(
                ListedBackup(
                    **e.model_dump(),
                    location=catalog.location(e),
                    state="broken" if v and not v.ok else "verified",
                    checked=v.checked if v else e.created,
                )
            )
    return sorted(out, key=lambda b: (b.created, b.id))


def names(entry: BackupEntry, table: str) -> bool:
    """Whether `table` (a Unity Catalog name, a URI or a path) is the entry's table."""
    if "/" in table or "\\" in table:
        return normalize(table) == entry.source or table == entry.table
    return table.lower() == entry.table.lower()


def new_id(at_ms: int) -> str:
    """A backup or run id: its UTC time (so ids sort by time) and a random suffix."""
    stamp = datetime.fromtimestamp(at_ms / 1000, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def check_id(backup_id: str) -> str:
    """`backup_id` if it has the shape of an id; BadInput otherwise (ids become paths)."""
    if not _ID.match(backup_id):
        raise BadInput(
            f"{backup_id!r} is not a backup id.",
            hint="Ids look like 20250128T020000Z-3f9a1c2b; `standby backup list` shows them.",
        )
    return backup_id


class Catalog:
    """The catalog of one backup root. Reads are idempotent; `add` is put-if-absent."""

    def __init__(self, root: str, *, store: ObjectStore | None = None):
        self.store = store or open_store(root)
        self.url = self.store.url

    def location(self, entry: BackupEntry) -> str:
        """The URI of the backup table (redacted: safe to print)."""
        return redact(join(self.url, entry.path))

    def entries(self) -> list[BackupEntry]:
        """Every readable entry, oldest first; an unreadable one is logged and skipped."""
        paths = [o.path for o in self.store.list(CATALOG_DIR + "/") if o.path.endswith(".json")]
        found = [e for e in self._read_all(paths, BackupEntry) if isinstance(e, BackupEntry)]
        return sorted(found, key=lambda e: (e.created, e.id))

    def get(self, backup_id: str) -> BackupEntry | None:
        try:
            raw = self.store.get(f"{CATALOG_DIR}/{check_id(backup_id)}.json")
        except ObjectNotFound:
            return None
        return BackupEntry.model_validate_json(raw)

    def add(self, entry: BackupEntry) -> None:
        """Record a complete backup. Raises Refused if the id is taken."""
        try:
            self.store.put(
                f"{CATALOG_DIR}/{entry.id}.json",
                entry.model_dump_json(indent=2).encode(),
                mode="create",
            )
        except ObjectExists as e:
            raise Refused(
                f"The catalog of {redact(self.url)} already has backup {entry.id}."
            ) from e

    def remove(self, backup_id: str) -> None:
        """Forget a backup (its verification too). Idempotent."""
        self.store.delete(f"{VERIFY_DIR}/{check_id(backup_id)}.json")
        self.store.delete(f"{CATALOG_DIR}/{backup_id}.json")

    def verifications(self) -> dict[str, Verification]:
        """The latest verification of each backup that has one, by backup id."""
        paths = [o.path for o in self.store.list(VERIFY_DIR + "/") if o.path.endswith(".json")]
        return {v.id: v for v in self._read_all(paths, Verification) if isinstance(v, Verification)}

    def record(self, verification: Verification) -> None:
        self.store.put(
            f"{VERIFY_DIR}/{check_id(verification.id)}.json",
            verification.model_dump_json(indent=2).encode(),
        )

    def _read_all(
        self, paths: list[str], model: type[BackupEntry] | type[Verification]
    ) -> list[BackupEntry | Verification | None]:
        def one(path: str) -> BackupEntry | Verification | None:
            try:
                return model.model_validate_json(self.store.get(path))
            except ObjectNotFound:  # pruned meanwhile
                return None
            except ValidationError as e:
                log.warning("skipping %s in %s: not a valid record (%s)", path, self.url, e)
                return None

        if len(paths) <= 4 or is_local(self.url):  # local reads cost less than a thread hop
            return [one(p) for p in paths]
        with ThreadPoolExecutor(READ_WORKERS) as pool:
            return list(pool.map(one, paths))
