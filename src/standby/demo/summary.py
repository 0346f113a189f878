"""What the demo did, as facts a reader (or `standby demo --json`) can check: the restore
story, the replicas, the backups, the workspace sync, and the standby.yml left behind."""

from __future__ import annotations

from dataclasses import dataclass, field

from standby.demo.failover import FailoverStory


@dataclass
class RestoreStory:
    """The bad DELETE, the version history pointed at, and the restore to it."""

    table: str
    bad_version: int  # the accidental DELETE, newest in the history shown
    restored_to: int  # the version just before it
    new_version: int | None  # the RESTORE commit
    rows_before: int
    rows_after_delete: int
    rows_restored: int


@dataclass
class ReplicaStory:
    table: str
    source: str
    replica: str
    source_version: int | None
    replica_version: int | None
    ok: bool  # within the tier's RPO, as `status` says


@dataclass
class BackupStory:
    policy: str
    runs: int
    backups_made: int
    kept: int
    deleted: int
    restored_to: str
    restored_same_rows: bool


@dataclass
class WorkspaceStory:
    objects_exported: int
    drift_before_sync: int  # objects `config diff` reported before the sync
    changes_synced: int
    secrets_set: int
    equal_after_sync: bool
    jobs_paused_on_dr: list[str] = field(default_factory=list)


@dataclass
class DemoSummary:
    """The demo's one JSON document: where it is, what it showed, what it left behind."""

    root: str
    config: str  # the standby.yml left behind, usable after the demo
    config_note: str  # what that file holds, and what it no longer does
    seconds: float
    restore: RestoreStory
    replicas: list[ReplicaStory]
    backups: BackupStory
    workspace: WorkspaceStory
    failover: FailoverStory
    ok: bool = field(init=False)  # every step showed what it promises

    def __post_init__(self) -> None:
        self.ok = (
            self.restore.rows_restored == self.restore.rows_before
            and all(r.ok and r.replica_version == r.source_version for r in self.replicas)
            and self.backups.restored_same_rows
            and self.workspace.equal_after_sync
            and self.failover.back_home
        )
