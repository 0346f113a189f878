"""standby: disaster recovery for Databricks lakehouses.

The library's API is this module: table operations (`history`, `restore`, `clone`,
`replicate`, `status`, `verify`, `safe_point`) take a table as a URI plus
`storage_options`, or as a store opened with `open_store`; backups, workspace
configuration and failover take the configuration `load_config` returns. Options are
keywords; results are dataclasses; every error is a `StandbyError`.

    import standby

    for entry in standby.history("s3://lake/sales", storage_options={"region": "eu-west-1"}):
        print(entry.version, entry.operation)

Importing standby is cheap: each name is loaded on first use, and with it only what it
needs (pyarrow, deltalake, databricks-sdk and pydantic are not loaded by the import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from standby._lazy import lazy_names
from standby.errors import (
    AccessDenied,
    BadInput,
    BadUsage,
    BucketNotFound,
    ConfigInvalid,
    Diverged,
    FilesMissing,
    Internal,
    Interrupted,
    ObjectChanged,
    ObjectExists,
    ObjectNotFound,
    OverlappingLocations,
    Partial,
    ProblemFound,
    Refused,
    SourceGone,
    StandbyError,
    TableNotFound,
    TargetNotEmpty,
    Throttled,
    TimestampOutOfRange,
    Unreachable,
    UnsupportedFeature,
    UnsupportedURI,
    VersionNotFound,
    WrongSource,
)

if TYPE_CHECKING:  # what type checkers see; at run time `_LAZY` loads each on first use
    from standby._backups import backup_list as backup_list
    from standby._backups import backup_prune as backup_prune
    from standby._backups import backup_restore as backup_restore
    from standby._backups import backup_run as backup_run
    from standby._backups import backup_verify as backup_verify
    from standby._operations import OperationOptions as OperationOptions
    from standby._operations import failback as failback
    from standby._operations import failover as failover
    from standby._operations import reprotect as reprotect
    from standby.backup import BackupCheck as BackupCheck
    from standby.backup import BackupRestore as BackupRestore
    from standby.backup import PruneResult as PruneResult
    from standby.backup import RunResult as RunResult
    from standby.backup import TableBackup as TableBackup
    from standby.backup import VerifyResult as VerifyResult
    from standby.backup.catalog import ListedBackup as ListedBackup
    from standby.config import Config as Config
    from standby.config import load_config as load_config
    from standby.failover.service import Planned as Planned
    from standby.integrity import Problem as Problem
    from standby.integrity import SafePoint as SafePoint
    from standby.integrity import VerifyReport as VerifyReport
    from standby.integrity import safe_point as safe_point
    from standby.integrity import verify as verify
    from standby.operations.journal import Journal as Journal
    from standby.operations.lease import LeaseHeld as LeaseHeld
    from standby.replication import TableReplication as TableReplication
    from standby.replication import replicate_table as replicate
    from standby.replication.status import TableStatus as TableStatus
    from standby.replication.status import table_status as status
    from standby.storage import ObjectStore as ObjectStore
    from standby.storage import open_store as open_store
    from standby.tables.clone import CloneResult as CloneResult
    from standby.tables.clone import clone as clone
    from standby.tables.history import HistoryEntry as HistoryEntry
    from standby.tables.history import history as history
    from standby.tables.restore import RestoreResult as RestoreResult
    from standby.tables.restore import restore as restore
    from standby.workspace import Diff as Diff
    from standby.workspace import Snapshot as Snapshot
    from standby.workspace import SyncResult as SyncResult
    from standby.workspace.sites import diff_sides as workspace_diff
    from standby.workspace.sites import export_site as workspace_export
    from standby.workspace.sites import sync_sites as workspace_sync

__version__ = "0.1.0"

# Public name -> (module, name there). A test checks it against the imports above.
_LAZY: dict[str, tuple[str, str]] = {
    "history": ("standby.tables.history", "history"),
    "restore": ("standby.tables.restore", "restore"),
    "clone": ("standby.tables.clone", "clone"),
    "HistoryEntry": ("standby.tables.history", "HistoryEntry"),
    "RestoreResult": ("standby.tables.restore", "RestoreResult"),
    "CloneResult": ("standby.tables.clone", "CloneResult"),
    "replicate": ("standby.replication", "replicate_table"),
    "TableReplication": ("standby.replication", "TableReplication"),
    "status": ("standby.replication.status", "table_status"),
    "TableStatus": ("standby.replication.status", "TableStatus"),
    "verify": ("standby.integrity", "verify"),
    "safe_point": ("standby.integrity", "safe_point"),
    "VerifyReport": ("standby.integrity", "VerifyReport"),
    "SafePoint": ("standby.integrity", "SafePoint"),
    "Problem": ("standby.integrity", "Problem"),
    "backup_run": ("standby._backups", "backup_run"),
    "backup_list": ("standby._backups", "backup_list"),
    "backup_verify": ("standby._backups", "backup_verify"),
    "backup_prune": ("standby._backups", "backup_prune"),
    "backup_restore": ("standby._backups", "backup_restore"),
    "RunResult": ("standby.backup", "RunResult"),
    "TableBackup": ("standby.backup", "TableBackup"),
    "ListedBackup": ("standby.backup.catalog", "ListedBackup"),
    "VerifyResult": ("standby.backup", "VerifyResult"),
    "BackupCheck": ("standby.backup", "BackupCheck"),
    "PruneResult": ("standby.backup", "PruneResult"),
    "BackupRestore": ("standby.backup", "BackupRestore"),
    "workspace_export": ("standby.workspace.sites", "export_site"),
    "workspace_diff": ("standby.workspace.sites", "diff_sides"),
    "workspace_sync": ("standby.workspace.sites", "sync_sites"),
    "Snapshot": ("standby.workspace", "Snapshot"),
    "Diff": ("standby.workspace", "Diff"),
    "SyncResult": ("standby.workspace", "SyncResult"),
    "failover": ("standby._operations", "failover"),
    "reprotect": ("standby._operations", "reprotect"),
    "failback": ("standby._operations", "failback"),
    "OperationOptions": ("standby._operations", "OperationOptions"),
    "Planned": ("standby.failover.service", "Planned"),
    "Journal": ("standby.operations.journal", "Journal"),
    "LeaseHeld": ("standby.operations.lease", "LeaseHeld"),
    "load_config": ("standby.config", "load_config"),
    "Config": ("standby.config", "Config"),
    "open_store": ("standby.storage", "open_store"),
    "ObjectStore": ("standby.storage", "ObjectStore"),
}

__all__ = [
    "AccessDenied",
    "BackupCheck",
    "BackupRestore",
    "BadInput",
    "BadUsage",
    "BucketNotFound",
    "CloneResult",
    "Config",
    "ConfigInvalid",
    "Diff",
    "Diverged",
    "FilesMissing",
    "HistoryEntry",
    "Internal",
    "Interrupted",
    "Journal",
    "LeaseHeld",
    "ListedBackup",
    "ObjectChanged",
    "ObjectExists",
    "ObjectNotFound",
    "ObjectStore",
    "OperationOptions",
    "OverlappingLocations",
    "Partial",
    "Planned",
    "Problem",
    "ProblemFound",
    "PruneResult",
    "Refused",
    "RestoreResult",
    "RunResult",
    "SafePoint",
    "Snapshot",
    "SourceGone",
    "StandbyError",
    "SyncResult",
    "TableBackup",
    "TableNotFound",
    "TableReplication",
    "TableStatus",
    "TargetNotEmpty",
    "Throttled",
    "TimestampOutOfRange",
    "Unreachable",
    "UnsupportedFeature",
    "UnsupportedURI",
    "VerifyReport",
    "VerifyResult",
    "VersionNotFound",
    "WrongSource",
    "backup_list",
    "backup_prune",
    "backup_restore",
    "backup_run",
    "backup_verify",
    "clone",
    "failback",
    "failover",
    "history",
    "load_config",
    "open_store",
    "replicate",
    "reprotect",
    "restore",
    "safe_point",
    "status",
    "verify",
    "workspace_diff",
    "workspace_export",
    "workspace_sync",
]


# Names load on first use; a subpackage named like a function (`failover`) never hides it.
lazy_names(__name__, _LAZY)
