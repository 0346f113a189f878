"""Running a policy on its schedule: a Databricks job (Jobs API JSON, or a resource block of
a Databricks Asset Bundle's databricks.yml) or a crontab line, each running `standby backup
run` and then `standby backup prune` for the policy.

Databricks schedules are Quartz cron: seconds first, and one of day-of-month and
day-of-week must be '?'. A five-field cron that restricts both (which cron reads as
"either") has no Quartz equivalent and is refused.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from standby import __version__
from standby.config import BackupPolicy
from standby.errors import BadInput

DEFAULT_SPARK_VERSION = "15.4.x-scala2.12"  # an LTS runtime
DEFAULT_WORKSPACE_CONFIG = "/Workspace/Shared/standby/standby.yml"
NODE_TYPES = {  # a small general-purpose node on the cloud that holds the backup root
    "s3": "i3.xlarge",
    "s3a": "i3.xlarge",
    "az": "Standard_D4ds_v5",
    "azure": "Standard_D4ds_v5",
    "abfs": "Standard_D4ds_v5",
    "abfss": "Standard_D4ds_v5",
    "adl": "Standard_D4ds_v5",
    "gs": "n2-standard-4",
}
MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def quartz(cron: str) -> str:
    """The Quartz expression (as Databricks job schedules take) of a five-field cron."""
    minute, hour, dom, month, dow = MACROS.get(cron.strip(), cron).split()
    if dom != "*" and dow != "*":
        raise BadInput(
            f"The schedule {cron!r} restricts both the day of the month and the day of the "
            "week; Databricks (Quartz) schedules can restrict only one of them.",
            hint="Use '*' for one of the two, or two policies.",
        )
    minute, hour = (_from_zero(f) for f in (minute, hour))
    dom, month = (_from_one(f) for f in (dom, month))
    days = "?" if dow == "*" else _weekdays(dow)
    return f"0 {minute} {hour} {'?' if dow != '*' else dom} {month.upper()} {days}"


def _from_zero(field: str) -> str:
    return "0/" + field[2:] if field.startswith("*/") else field


def _from_one(field: str) -> str:
    return "1/" + field[2:] if field.startswith("*/") else field


def _weekdays(field: str) -> str:
    """Cron's day-of-week field (0-7, Sunday twice, names) as Quartz day names."""
    chosen: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            lo, hi = 0, 6
        elif "-" in base:
            lo, hi = (_day(b) for b in base.split("-", 1))
        else:
            lo = _day(base)
            hi = 7 if step else lo
        chosen.update(d % 7 for d in range(lo, hi + 1, int(step or 1)))
    return ",".join(DAYS[d] for d in sorted(chosen))


def _day(text: str) -> int:
    return int(text) if text.isdigit() else DAYS.index(text.upper()[:3])


def check_timezone(name: str) -> str:
    """`name` if it is an IANA time zone (UTC, Europe/Paris), else BadInput."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(
            f"Unknown time zone {name!r}.",
            hint="Give an IANA time zone name, such as UTC or America/New_York.",
        ) from None
    return name


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

    def task(key: str, command: str, after: str | None = None) -> dict[str, Any]:
        library = wheel_library(wheel)
        out: dict[str, Any] = {"task_key": key}
        if after:
            out["depends_on"] = [{"task_key": after}]
        out |= {
            "job_cluster_key": "standby",
            "python_wheel_task": {
                "package_name": "standby",
                "entry_point": "standby",
                "parameters": ["--config", config_path, "backup", command, "--policy", policy.name],
            },
            "libraries": [library],
        }
        return out

    job: dict[str, Any] = {
        "name": f"standby-backup-{policy.name}",
        "tags": {"standby": "backup", "standby_policy": policy.name},
        "schedule": {
            "quartz_cron_expression": quartz(policy.schedule),
            "timezone_id": check_timezone(timezone),
            "pause_status": "UNPAUSED",
        },
        "max_concurrent_runs": 1,
        "job_clusters": [
            {
                "job_cluster_key": "standby",
                "new_cluster": single_node_cluster(spark_version, node_type or node_type_for(root)),
            }
        ],
        "tasks": [task("backup_run", "run"), task("backup_prune", "prune", after="backup_run")],
    }
    if notify:
        job["email_notifications"] = {"on_failure": notify}
    return job


def wheel_library(wheel: str | None) -> dict[str, Any]:
    """The job library that installs standby: a wheel (a volume path), else PyPI."""
    return {"whl": wheel} if wheel else {"pypi": {"package": f"standby=={__version__}"}}


def node_type_for(root: str) -> str:
    """A small general-purpose node on the cloud that holds `root`."""
    scheme = root.split("://", 1)[0] if "://" in root else "file"
    return NODE_TYPES.get(scheme, "i3.xlarge")


def single_node_cluster(spark_version: str, node_type: str) -> dict[str, Any]:
    """A job cluster of one node, no executors: standby's threads do the copying."""
    return {
        "spark_version": spark_version,
        "node_type_id": node_type,
        "num_workers": 0,
        "spark_conf": {
            "spark.databricks.cluster.profile": "singleNode",
            "spark.master": "local[*]",
        },
        "custom_tags": {"ResourceClass": "SingleNode"},
    }


def bundle_resources(jobs: dict[str, dict[str, Any]]) -> str:
    """The `resources:` block of a databricks.yml declaring `jobs` (key -> definition)."""
    body = yaml.safe_dump(
        {"resources": {"jobs": {_key(k): v for k, v in jobs.items()}}},
        sort_keys=False,
        default_flow_style=False,
    )
    return "# Paste into databricks.yml (Databricks Asset Bundle); made by standby.\n" + body


def _key(name: str) -> str:
    return "standby_backup_" + "".join(c if c.isalnum() else "_" for c in name)


def standby_executable() -> str:
    """The full path of the running standby, for cron (whose PATH is /usr/bin:/bin): the
    script being run, else the one beside this Python, else `python -m standby`."""
    running = Path(sys.argv[0])
    if running.name == "standby" and running.is_file():
        return shlex.quote(str(running.absolute()))
    beside = Path(sys.executable).parent / "standby"
    if beside.is_file() and os.access(beside, os.X_OK):
        return shlex.quote(str(beside))
    found = shutil.which("standby")
    if found:
        return shlex.quote(str(Path(found).absolute()))
    return f"{shlex.quote(sys.executable)} -m standby"


def crontab(
    policies: list[BackupPolicy], *, config_path: str, command: str, timezone: str = "UTC"
) -> str:
    """Crontab lines: run, then prune, on each policy's schedule, read in `timezone`
    (CRON_TZ, which cronie honours; it applies to the lines below it)."""
    lines = [f"CRON_TZ={check_timezone(timezone)}"]
    for policy in policies:
        lines += crontab_line(policy, config_path=config_path, command=command).splitlines()
    return "\n".join(lines)


def crontab_line(policy: BackupPolicy, *, config_path: str, command: str) -> str:
    """A comment and a crontab line: run, then prune, on the policy's schedule."""
    base = f"{command} --config {shlex.quote(config_path)} backup"
    name = shlex.quote(policy.name)
    return (
        f"# standby backups, policy {policy.name}\n"
        f"{policy.schedule} {base} run --policy {name} && {base} prune --policy {name}"
    )
