"""The backup entry points of the library (`standby.backup_run`, ...), in standby.yml's terms.

Each composes what the policies name (their roots, their tables) and runs with every URL it
opens given its site's storage options, as the `standby backup` commands do.
"""

from __future__ import annotations

from collections.abc import Sequence

from standby.backup import (
    BackupRestore,
    Catalog,
    PruneResult,
    RunResult,
    VerifyResult,
    backup_roots,
    policy_targets,
    prune,
    restore_backup,
    run_backups,
    verify_backups,
)
from standby.backup.catalog import ListedBackup, list_backups
from standby.config import BackupPolicy, Config
from standby.engines import CopyExecutor, Progress
from standby.site_options import options_by_url


def _catalogs(config: Config, policy: str | None) -> list[Catalog]:
    return [Catalog(root) for root in backup_roots(config, policy=policy)]


def _policies(config: Config, policy: str | None) -> list[BackupPolicy]:
    return [config.policy(policy)] if policy else list(config.backups.policies)


def backup_run(
    config: Config,
    *,
    policy: str | None = None,
    tables: Sequence[str] | None = None,
    dry_run: bool = False,
    executor: CopyExecutor | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Back up each table of the policies now, at its latest version, as a clone.

    Every backup is checked before its catalog entry is written, and a crash leaves no
    entry for a backup that is not whole; a table that fails does not stop the others.

    Args:
        config: The loaded standby.yml.
        policy: Only this policy (every policy by default).
        tables: Only these tables (Unity Catalog names or URIs).
        dry_run: Plan every clone and catalog write; make none.
        executor: Where copy work runs (threads by default).
        progress: Told of the bytes copied.

    Returns:
        The backups made, and the tables that failed with why (`failures`).

    Raises:
        BadInput: No policy, an unknown policy, or a table no policy covers.
        OverlappingLocations: A backup root inside a table it backs up.
    """
    with options_by_url(config.storage_options_for):
        targets = policy_targets(config, policy=policy, tables=tables)
        return run_backups(targets, dry_run=dry_run, executor=executor, progress=progress)


def backup_list(
    config: Config, *, policy: str | None = None, table: str | None = None
) -> list[ListedBackup]:
    """The backups in the policies' catalogs, oldest first, each with its latest check.

    Reads only.

    Args:
        config: The loaded standby.yml.
        policy: Only this policy's backups.
        table: Only this table's (a Unity Catalog name or a URI).

    Raises:
        BadInput: No policy, or an unknown one.
        Unreachable: A backup root cannot be reached.
    """
    with options_by_url(config.storage_options_for):
        return list_backups(_catalogs(config, policy), table=table, policy=policy)


def backup_verify(
    config: Config,
    *,
    policy: str | None = None,
    table: str | None = None,
    read_data: bool = False,
) -> VerifyResult:
    """Check that each backup can still be restored, and record the outcome in its catalog.

    Changes nothing but the catalogs' verification records: a shallow backup whose source
    was vacuumed past its version is found broken, not repaired.

    Args:
        config: The loaded standby.yml.
        policy: Only this policy's backups.
        table: Only this table's (a Unity Catalog name or a URI).
        read_data: Also decode every data file and check every deletion vector.

    Returns:
        `ok` when every backup checked is whole; each backup's findings.

    Raises:
        BadInput: No policy, or an unknown one.
        Unreachable: A backup root cannot be reached.
    """
    with options_by_url(config.storage_options_for):
        return verify_backups(
            _catalogs(config, policy), policy=policy, table=table, read_data=read_data
        )


def backup_prune(
    config: Config, *, policy: str | None = None, dry_run: bool = False, force: bool = False
) -> list[PruneResult]:
    """Delete the backups the policies' retention (GFS) no longer keeps.

    Retention never drops a table's last good backup; a backup's data goes before its
    catalog entry, so no entry ever names a backup that is half gone.

    Args:
        config: The loaded standby.yml.
        policy: Only this policy (every policy by default).
        dry_run: Plan the deletions; make none.
        force: Prune even when every backup of a table was found broken.

    Returns:
        What was (or would be) deleted and kept, per policy.

    Raises:
        BadInput: An unknown policy.
        Refused: A table would be left without a backup, and `force` was not given.
    """
    with options_by_url(config.storage_options_for):
        return [
            prune(p, config.backup_location(p), dry_run=dry_run, force=force)
            for p in _policies(config, policy)
        ]


def backup_restore(
    config: Config,
    backup_id: str,
    to: str,
    *,
    policy: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    executor: CopyExecutor | None = None,
    progress: Progress | None = None,
) -> BackupRestore:
    """Restore a backup into the table at `to`: a deep clone of it at the version it recorded.

    Crash-safe as a clone: files first, then one commit. A backup found broken is refused
    before anything is written.

    Args:
        config: The loaded standby.yml.
        backup_id: The backup's id (`backup_list` shows them).
        to: The table to write: a URI, opened with the options of the site that holds it.
        policy: Only look in this policy's catalog.
        replace: Restore into an existing table as its next version (copying what it lacks).
        dry_run: Plan only; copy and write nothing.
        executor: Where copy work runs (threads by default).
        progress: Told of the bytes copied.

    Returns:
        The backup restored and the clone that restored it.

    Raises:
        BadInput: No such backup.
        FilesMissing: The backup is broken (a file it needs is gone).
        TargetNotEmpty: `to` holds something and `replace` was not given.
        OverlappingLocations: `to` lies in the backup root.
    """
    with options_by_url(config.storage_options_for):
        return restore_backup(
            _catalogs(config, policy),
            backup_id,
            to,
            replace=replace,
            dry_run=dry_run,
            executor=executor,
            progress=progress,
        )
