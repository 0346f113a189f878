"""Running a backup policy on its schedule: a Databricks job (Jobs API JSON, or a resource
block of a Databricks Asset Bundle's databricks.yml) or a crontab line, each running
`standby backup run` and then `standby backup prune` for the policy (see
`standby.scheduling`, which drills share)."""

from __future__ import annotations

from typing import Any

from standby.config import BackupPolicy
from standby.scheduling import (
    DEFAULT_SPARK_VERSION,
    DEFAULT_WORKSPACE_CONFIG,
    check_timezone,
    cron_entry,
    quartz,
    standby_executable,
    standby_job,
)
from standby.scheduling import bundle_resources as _bundle
from standby.scheduling import crontab as _crontab

__all__ = [
    "DEFAULT_SPARK_VERSION",
    "DEFAULT_WORKSPACE_CONFIG",
    "bundle_resources",
    "check_timezone",
    "crontab",
    "crontab_line",
    "job_definition",
    "quartz",
    "standby_executable",
]


def _tasks(policy: BackupPolicy) -> list[tuple[str, list[str]]]:
    return [
        (f"backup_{step}", ["backup", step, "--policy", policy.name]) for step in ("run", "prune")
    ]


def job_definition(
    policy: BackupPolicy,
    *,
    root: str,
    config_path: str = DEFAULT_WORKSPACE_CONFIG,
    spark_version: str = DEFAULT_SPARK_VERSION,
    node_type: str | None = None,
    timezone: str = "UTC",
    wheel: str | None = None,
    notify: list[str] | None = None,
) -> dict[str, Any]:
    """A Jobs API 2.1 job: `backup run`, then `backup prune`, for `policy` on its schedule,
    on a single-node job cluster; at most one run at a time."""
    return standby_job(
        name=f"standby-backup-{policy.name}",
        tags={"standby": "backup", "standby_policy": policy.name},
        cron=policy.schedule,
        tasks=_tasks(policy),
        root=root,
        config_path=config_path,
        spark_version=spark_version,
        node_type=node_type,
        timezone=timezone,
        wheel=wheel,
        notify=notify,
    )


def bundle_resources(jobs: dict[str, dict[str, Any]]) -> str:
    """The `resources:` block of a databricks.yml declaring `jobs` (key -> definition)."""
    return _bundle(jobs, prefix="standby_backup_")


def crontab(
    policies: list[BackupPolicy], *, config_path: str, command: str, timezone: str = "UTC"
) -> str:
    """Crontab lines: run, then prune, on each policy's schedule, read in `timezone`."""
    entries = [crontab_line(p, config_path=config_path, command=command) for p in policies]
    return _crontab(entries, timezone=timezone)


def crontab_line(policy: BackupPolicy, *, config_path: str, command: str) -> str:
    """A comment and a crontab line: run, then prune, on the policy's schedule."""
    return cron_entry(
        f"standby backups, policy {policy.name}",
        policy.schedule,
        [args for _, args in _tasks(policy)],
        config_path=config_path,
        command=command,
    )
