"""The runbook's scenarios (the DR guide's 7.1 quick reference, made real): for each, when
it applies and the exact commands for this configuration, in the order a person runs them.
Every command is a real one: run with `--dry-run` (or as it is, when it only reads) it
exits 0 against a healthy setup, and a test holds the runbook to that."""

from __future__ import annotations

from typing import Any

from standby.config import Config
from standby.drill.verdict import standby_command
from standby.storage import join

Step = dict[str, str]


def _step(text: str, config: Config | None = None, *args: str) -> Step:
    return {"text": text, "command": standby_command(config, *args) if config else ""}


def _restore(config: Config, tables: list[dict[str, Any]], site: str, newest: Any) -> list[Step]:
    steps = []
    for table in tables:
        uri = table["locations"].get(site)
        if not uri:
            continue
        latest = table.get("latest_version")
        before = latest - 1 if isinstance(latest, int) and latest > 0 else 0
        restore = ["table", "restore", uri, "--version", str(before)]
        steps += [
            _step(
                f"{table['name']}: its history, newest first; find the bad write",
                config,
                "table",
                "history",
                uri,
                "--limit",
                "20",
            ),
            _step(
                f"preview, then restore it to the version before the bad write (here v{before}, "
                "the one before the latest)",
                config,
                *restore,
                "--dry-run",
            ),
            _step(
                "restore (a new version: the history is kept; replication carries it to DR)",
                config,
                *restore,
            ),
        ]
    if isinstance(newest, str) and tables and tables[0]["locations"].get(site):
        first = tables[0]
        scratch = join(
            config.site(site).storage[next(iter(config.site(site).storage))],
            "restored/" + first["name"].replace(".", "/"),
        )
        steps += [
            _step(
                f"or from a backup: the backups of {first['name']}",
                config,
                "backup",
                "list",
                "--table",
                first["name"],
            ),
            _step(
                "restore one beside the table, to compare before use",
                config,
                "backup",
                "restore",
                newest,
                "--to",
                scratch,
            ),
        ]
    return steps


def _checks(config: Config, tables: list[dict[str, Any]], replica: str) -> list[Step]:
    steps = (
        [
            _step("every replica's lag against its tier's RPO", config, "status"),
            _step("the backups, newest last", config, "backup", "list"),
            _step(
                "read every backup back (files present, Parquet decodes)",
                config,
                "backup",
                "verify",
                "--read-data",
            ),
        ]
        if config.backups.policies
        else [_step("every replica's lag", config, "status")]
    )
    for table in tables:
        uri = table["locations"].get(replica)
        if uri:
            steps += [
                _step(f"{table['name']}: is the replica whole?", config, "verify", uri),
                _step("the newest version it can serve", config, "safe-point", uri),
            ]
    return steps


def scenarios(
    config: Config, tables: list[dict[str, Any]], *, newest_backup: Any
) -> list[dict[str, Any]]:
    """The scenarios of the runbook, each {title, when, steps: [{text, command}]}."""
    primary, dr = config.primary, config.dr
    return [
        {
            "title": "Restore a table to a point in time",
            "when": "a bad write (DELETE, UPDATE, overwrite) reached a table; replication has "
            "copied it to DR as well, so DR is no way back: restore the table itself",
            "steps": _restore(config, tables, primary, newest_backup),
        },
        {
            "title": "Regional outage: the primary region is gone",
            "when": f"{primary}'s workspace or storage does not answer and will not soon",
            "steps": [
                _step("what a forced failover loses now, per table", config, "status"),
                _step(
                    "the plan: every step, table, job and the DNS change",
                    config,
                    "failover",
                    "--forced",
                    "--dry-run",
                ),
                _step(
                    f"fail over to {dr}: replicas at their safe point, the loss measured "
                    "and reported per table",
                    config,
                    "failover",
                    "--forced",
                    "--yes",
                ),
                _step("the journal of what ran, with the report", config, "operations", "list"),
            ],
        },
        {
            "title": "Planned switchover",
            "when": "maintenance or an evacuation while the primary still answers: no commit lost",
            "steps": [
                _step(
                    "no drift first (a planned failover refuses drift)",
                    config,
                    "config",
                    "diff",
                    primary,
                    dr,
                ),
                _step("the plan", config, "failover", "--planned", "--dry-run"),
                _step(
                    f"fence {primary}, catch up, promote {dr}",
                    config,
                    "failover",
                    "--planned",
                    "--yes",
                ),
            ],
        },
        {
            "title": f"Failback: return to {primary}",
            "when": f"{primary} is back and {dr} is primary",
            "steps": [
                _step(
                    "the plan: reprotect (divergence moved aside), then a planned failover back",
                    config,
                    "failback",
                    "--dry-run",
                ),
                _step(
                    "fail back, syncing the workspace configuration back first",
                    config,
                    "failback",
                    "--sync-config",
                    "--yes",
                ),
                _step(
                    "commits the old primary took after the last replicated one (kept aside, "
                    "never deleted)",
                    config,
                    "operations",
                    "list",
                    "--kind",
                    "failback",
                ),
            ],
        },
        {
            "title": "Verify backups and replicas",
            "when": "weekly, and before relying on DR",
            "steps": _checks(config, tables, dr),
        },
        {
            "title": "Run a drill",
            "when": "on the levels' schedule (standby status says when each is due)",
            "steps": [
                _step(
                    "weekly: backups, DR workspace, replicas, control objects",
                    config,
                    "drill",
                    "--level",
                    "basic",
                ),
                _step(
                    "monthly: and drift, a restore test, the drill jobs in DR",
                    config,
                    "drill",
                    "--level",
                    "intermediate",
                ),
                _step(
                    "yearly: and a test failover that touches nothing in production, with "
                    "its report",
                    config,
                    "drill",
                    "--level",
                    "full",
                    "--report",
                    "drill-report.html",
                ),
                _step(
                    "in a maintenance window: a real planned failover and failback",
                    config,
                    "drill",
                    "--level",
                    "full",
                    "--live",
                ),
                _step("every drill, with the trend of RTO and RPO", config, "drill", "history"),
                _step("schedule them", config, "drill", "schedule", "--emit", "cron"),
            ],
        },
    ]
