"""Drills on their levels' schedule: a Databricks job per level (Jobs API JSON, or a
resource block of a Databricks Asset Bundle's databricks.yml) or crontab lines, each
running `standby drill --level L` at 03:00 UTC on the first day of the level's period
(weekly: Mondays). A drill that fails exits 1, which fails the job and notifies the
contacts of standby.yml that have an address."""

from __future__ import annotations

from typing import Any

from standby.config import Config
from standby.config.drills import CRON, LEVELS
from standby.errors import BadInput
from standby.scheduling import (
    DEFAULT_SPARK_VERSION,
    DEFAULT_WORKSPACE_CONFIG,
    bundle_resources,
    cron_entry,
    crontab,
    standby_job,
)


def chosen_levels(level: str | None) -> list[str]:
    if level is None:
        return list(LEVELS)
    if level not in LEVELS:
        raise BadInput(f"--level must be one of {', '.join(LEVELS)}, not {level!r}.")
    return [level]


def _args(level: str) -> list[str]:
    return ["drill", "--level", level]


def drill_jobs(
    config: Config,
    levels: list[str],
    *,
    config_path: str = DEFAULT_WORKSPACE_CONFIG,
    spark_version: str = DEFAULT_SPARK_VERSION,
    node_type: str | None = None,
    timezone: str = "UTC",
    wheel: str | None = None,
) -> dict[str, dict[str, Any]]:
    """A Jobs API job per level: `standby drill --level L` on the level's frequency."""
    notify = [c.contact for c in config.contacts if "@" in c.contact]
    root = next(iter(config.site(config.dr).storage.values()))
    return {
        level: standby_job(
            name=f"standby-drill-{level}",
            tags={"standby": "drill", "standby_level": level},
            cron=CRON[config.drills.frequency.of(level)],
            tasks=[(f"drill_{level}", _args(level))],
            root=root,
            config_path=config_path,
            spark_version=spark_version,
            node_type=node_type,
            timezone=timezone,
            wheel=wheel,
            notify=notify,
        )
        for level in levels
    }


def drill_bundle(jobs: dict[str, dict[str, Any]]) -> str:
    return bundle_resources(jobs, prefix="standby_drill_")


def drill_crontab(
    config: Config, levels: list[str], *, config_path: str, command: str, timezone: str = "UTC"
) -> str:
    """Crontab lines: each level's drill on its frequency, read in `timezone`."""
    entries = [
        cron_entry(
            f"standby drill, level {level} ({config.drills.frequency.of(level)})",
            CRON[config.drills.frequency.of(level)],
            [_args(level)],
            config_path=config_path,
            command=command,
        )
        for level in levels
    ]
    return crontab(entries, timezone=timezone)
