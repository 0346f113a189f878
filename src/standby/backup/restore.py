"""`backup restore ID --to URI`: a table equal to the source as the backup recorded it.

The backup table is deep-cloned at the version its entry names: into a new table, or with
`replace` into an existing one as one new version that copies only what it lacks. A backup
found broken (a shallow one whose source was vacuumed) is refused before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from standby.backup.catalog import BackupEntry, Catalog, check_id
from standby.backup.verify import check_backup
from standby.engines import CopyExecutor, Progress
from standby.errors import BadInput, FilesMissing
from standby.storage import join, redact
from standby.storage.overlap import refuse_overlap
from standby.tables import CloneResult, clone


@dataclass
class BackupRestore:
    id: str
    table: str
    source: str
    source_version: int
    source_commit_time: int | None
    backup: str  # the backup table's location
    target: str
    target_version: int | None  # None on a dry run
    replace: bool
    dry_run: bool
    clone: CloneResult


def find_backup(catalogs: list[Catalog], backup_id: str) -> tuple[Catalog, BackupEntry]:
    """The catalog holding `backup_id`, and its entry; BadInput when none does."""
    check_id(backup_id)
    for catalog in catalogs:
        entry = catalog.get(backup_id)
        if entry is not None:
            return catalog, entry
    roots = ", ".join(redact(c.url) for c in catalogs)
    raise BadInput(
        f"No backup {backup_id} in the catalog of {roots}.",
        hint="`standby backup list` shows the backups there are.",
    )


def restore_backup(
    catalogs: list[Catalog],
    backup_id: str,
    to: str,
    *,
    replace: bool = False,
    dry_run: bool = False,
    executor: CopyExecutor | None = None,
    progress: Progress | None = None,
) -> BackupRestore:
    """Restore backup `backup_id` to the table at `to` (raises TargetNotEmpty there unless
    `replace`)."""
    catalog, entry = find_backup(catalogs, backup_id)
    refuse_overlap(catalog.url, to, source_what="backup root", target_what="restore target")
    location = join(catalog.url, entry.path)
    check = check_backup(entry, location)
    if not check.ok:
        first = check.problems[0]
        raise FilesMissing(
            f"Backup {backup_id} of {entry.table} cannot be restored: {len(check.problems)} "
            f"problem(s), the first {first.path}: {first.detail}.",
            hint="Restore an older backup (`standby backup list --table ...`).",
        )
    cloned = clone(
        location,
        to,
        version=entry.version,
        replace=replace,
        dry_run=dry_run,
        executor=executor,
        progress=progress,
    )
    return BackupRestore(
        id=entry.id,
        table=entry.table,
        source=entry.source,
        source_version=entry.source_version,
        source_commit_time=entry.source_commit_time,
        backup=redact(location),
        target=cloned.target,
        target_version=cloned.target_version,
        replace=replace,
        dry_run=dry_run,
        clone=cloned,
    )
