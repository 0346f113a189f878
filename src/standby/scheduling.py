"""Running standby commands on a schedule: a Databricks job (Jobs API JSON, or a resource
block of a Databricks Asset Bundle's databricks.yml) or crontab lines, for backups and for
drills alike; and when a five-field cron last fired, for checks of what should have run.

Databricks schedules are Quartz cron: seconds first, and one of day-of-month and
day-of-week must be '?'. A five-field cron that restricts both (which cron reads as
"either") has no Quartz equivalent and is refused.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from standby import __version__
from standby.errors import BadInput

DEFAULT_SPARK_VERSION = "15.4.x-scala2.12"  # an LTS runtime
DEFAULT_WORKSPACE_CONFIG = "/Workspace/Shared/standby/standby.yml"
NODE_TYPES = {  # a small general-purpose node on the cloud that holds the data it works on
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
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
Task = tuple[str, list[str]]  # (task key, standby's arguments after --config FILE)


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
    return ",".join(DAYS[d] for d in sorted(_values(field, 0, 6, DAYS, wrap=7)))


def _values(field: str, lo: int, hi: int, names: Sequence[str], *, wrap: int = 0) -> set[int]:
    """The numbers a cron field matches (names by their first three letters; with `wrap`,
    `wrap` itself is read as `lo`, as day 7 is Sunday)."""

    def number(text: str) -> int:
        if text.isdigit():
            return int(text)
        return names.index(text.upper()[:3]) + (1 if names is MONTHS else 0)

    chosen: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            first, last = lo, hi
        elif "-" in base:
            first, last = (number(b) for b in base.split("-", 1))
        else:
            first = number(base)
            last = (wrap or hi) if step else first
        chosen.update(v % wrap if wrap else v for v in range(first, last + 1, int(step or 1)))
    return chosen


def last_firings(cron: str, *, before: datetime, count: int = 2) -> list[datetime]:
    """The `count` latest times at or before `before` (timezone-aware) that `cron` fires,
    newest first, read in `before`'s time zone; fewer when it fires less than once in two
    years. Day of month and day of week both restricted: either matches, as cron reads it."""
    minute, hour, dom, month, dow = MACROS.get(cron.strip(), cron).split()
    minutes, hours = _values(minute, 0, 59, ()), _values(hour, 0, 23, ())
    days, months = _values(dom, 1, 31, ()), _values(month, 1, 12, MONTHS)
    weekdays = _values(dow, 0, 6, DAYS, wrap=7)
    either = dom != "*" and dow != "*"
    found: list[datetime] = []
    day = before.replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(2 * 366):
        by_date, by_weekday = day.day in days, (day.weekday() + 1) % 7 in weekdays
        if day.month in months and ((by_date or by_weekday) if either else by_date and by_weekday):
            times = [day.replace(hour=h, minute=m) for h in hours for m in minutes]
            found += sorted((t for t in times if t <= before), reverse=True)
            if len(found) >= count:
                return found[:count]
        day -= timedelta(days=1)
    return found


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


def standby_job(
    *,
    name: str,
    tags: dict[str, str],
    cron: str,
    tasks: list[Task],
    root: str,
    config_path: str = DEFAULT_WORKSPACE_CONFIG,
    spark_version: str = DEFAULT_SPARK_VERSION,
    node_type: str | None = None,
    timezone: str = "UTC",
    wheel: str | None = None,
    notify: list[str] | None = None,
) -> dict[str, Any]:
    """A Jobs API 2.1 job running `standby --config FILE ARGS...` task after task (each
    after the one before), on `cron`, on a single-node job cluster of the cloud holding
    `root`; at most one run at a time."""
    library = wheel_library(wheel)
    steps: list[dict[str, Any]] = []
    for key, args in tasks:
        task: dict[str, Any] = {"task_key": key}
        if steps:
            task["depends_on"] = [{"task_key": steps[-1]["task_key"]}]
        task |= {
            "job_cluster_key": "standby",
            "python_wheel_task": {
                "package_name": "standby",
                "entry_point": "standby",
                "parameters": ["--config", config_path, *args],
            },
            "libraries": [library],
        }
        steps.append(task)
    job: dict[str, Any] = {
        "name": name,
        "tags": tags,
        "schedule": {
            "quartz_cron_expression": quartz(cron),
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
        "tasks": steps,
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


def bundle_resources(jobs: dict[str, dict[str, Any]], *, prefix: str) -> str:
    """The `resources:` block of a databricks.yml declaring `jobs` (key -> definition),
    each key made an identifier after `prefix`."""
    keyed = {prefix + "".join(c if c.isalnum() else "_" for c in k): v for k, v in jobs.items()}
    body: str = yaml.safe_dump(
        {"resources": {"jobs": keyed}}, sort_keys=False, default_flow_style=False
    )
    return "# Paste into databricks.yml (Databricks Asset Bundle); made by standby.\n" + body


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


def cron_entry(
    comment: str, cron: str, commands: list[list[str]], *, config_path: str, command: str
) -> str:
    """A comment line and a crontab line running each of `commands` (standby's arguments)
    in turn, each only if the one before succeeded."""
    base = f"{command} --config {shlex.quote(config_path)}"
    chained = " && ".join(f"{base} {shlex.join(args)}" for args in commands)
    return f"# {comment}\n{cron} {chained}"


def crontab(entries: list[str], *, timezone: str = "UTC") -> str:
    """Crontab lines whose schedules are read in `timezone` (CRON_TZ, which cronie and
    systemd-cron honour; it applies to the lines below it)."""
    lines = [f"CRON_TZ={check_timezone(timezone)}"]
    for entry in entries:
        lines += entry.splitlines()
    return "\n".join(lines)
