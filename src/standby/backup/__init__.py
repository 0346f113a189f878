"""Backups (DR guide section 3.3): policies run as clones, a catalog of what each backup
holds and needs, GFS retention that never drops the last good backup, verify and restore."""

from __future__ import annotations

from standby.backup.catalog import BackupEntry, Catalog, Problem, Verification
from standby.backup.prune import PruneResult, prune
from standby.backup.restore import BackupRestore, restore_backup
from standby.backup.retention import RetentionPlan, plan_retention
from standby.backup.run import RunResult, TableBackup, run_backups
from standby.backup.targets import PolicyTargets, TableSource, backup_roots, policy_targets
from standby.backup.verify import BackupCheck, VerifyResult, check_backup, verify_backups

__all__ = [
    "BackupCheck",
    "BackupEntry",
    "BackupRestore",
    "Catalog",
    "PolicyTargets",
    "Problem",
    "PruneResult",
    "RetentionPlan",
    "RunResult",
    "TableBackup",
    "TableSource",
    "Verification",
    "VerifyResult",
    "backup_roots",
    "check_backup",
    "plan_retention",
    "policy_targets",
    "prune",
    "restore_backup",
    "run_backups",
    "verify_backups",
]
