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
Scenario = dict[str, Any]
Tables = list[dict[str, Any]]


def _steps(config: Config, *rows: tuple[str, list[str]]) -> list[Step]:
    """Each (what it does, standby's arguments) as a step with its full command line."""
    return [{"text": text, "command": standby_command(config, *args)} for text, args in rows]


def _restore(config: Config, tables: Tables, site: str, newest: Any) -> list[Step]:
    rows: list[tuple[str, list[str]]] = []
    for table in tables:
        uri = table["locations"].get(site)
        if not uri:
            continue
        latest = table.get("latest_version")
        before = latest - 1 if isinstance(latest, int) and latest > 0 else 0
        restore = ["table", "restore", uri, "--version", str(before)]
        rows += [
            (
                f"{table['name']}: its history, newest first; find the bad write",
                ["table", "history", uri, "--limit", "20"],
            ),
            (
                f"preview, then restore it to the version before the bad write (here "
                f"v{before}, the one before the latest)",
                [*restore, "--dry-run"],
            ),
            ("restore (a new version: the history is kept; replication carries it to DR)", restore),
        ]
    if isinstance(newest, str) and tables and tables[0]["locations"].get(site):
        name = tables[0]["name"]
        home = next(iter(config.site(site).storage.values()))
        scratch = join(home, "restored/" + name.replace(".", "/"))
        rows += [
            (f"or from a backup: the backups of {name}", ["backup", "list", "--table", name]),
            (
                "restore one beside the table, to compare before use",
                ["backup", "restore", newest, "--to", scratch],
            ),
        ]
    return _steps(config, *rows)


def _checks(config: Config, tables: Tables, replica: str) -> list[Step]:
    rows: list[tuple[str, list[str]]] = [("every replica's lag against its RPO", ["status"])]
    if config.backups.policies:
        rows += [
            ("the backups, newest last", ["backup", "list"]),
            (
                "read every backup back (files present, Parquet decodes)",
                ["backup", "verify", "--read-data"],
            ),
        ]
    for table in tables:
        uri = table["locations"].get(replica)
        if uri:
            rows += [
                (f"{table['name']}: is the replica whole?", ["verify", uri]),
                ("the newest version it can serve", ["safe-point", uri]),
            ]
    return _steps(config, *rows)


def _outage(config: Config) -> Scenario:
    return {
        "title": "Regional outage: the primary region is gone",
        "when": f"{config.primary}'s workspace or storage does not answer and will not soon",
        "steps": _steps(
            config,
            ("what a forced failover loses now, per table", ["status"]),
            (
                "the plan: every step, table, job and the DNS change",
                ["failover", "--forced", "--dry-run"],
            ),
            (
                f"fail over to {config.dr}: replicas at their safe point, the loss measured "
                "and reported per table",
                ["failover", "--forced", "--yes"],
            ),
            ("the journal of what ran, with the report", ["operations", "list"]),
        ),
    }


def _switchover(config: Config) -> Scenario:
    primary, dr = config.primary, config.dr
    return {
        "title": "Planned switchover",
        "when": "maintenance or an evacuation while the primary still answers: no commit lost",
        "steps": _steps(
            config,
            ("no drift first (a planned failover refuses drift)", ["config", "diff", primary, dr]),
            ("the plan", ["failover", "--planned", "--dry-run"]),
            (f"fence {primary}, catch up, promote {dr}", ["failover", "--planned", "--yes"]),
        ),
    }


def _failback(config: Config) -> Scenario:
    return {
        "title": f"Failback: return to {config.primary}",
        "when": f"{config.primary} is back and {config.dr} is primary",
        "steps": _steps(
            config,
            (
                "the plan: reprotect (divergence moved aside), then a planned failover back",
                ["failback", "--dry-run"],
            ),
            (
                "fail back, syncing the workspace configuration back first",
                ["failback", "--sync-config", "--yes"],
            ),
            (
                "the failbacks, with the commits each moved aside (kept, never deleted)",
                ["operations", "list", "--kind", "failback"],
            ),
        ),
    }


def _drills(config: Config) -> Scenario:
    return {
        "title": "Run a drill",
        "when": "on the levels' schedule (standby status says when each is due)",
        "steps": _steps(
            config,
            (
                "weekly: backups, DR workspace, replicas, control objects",
                ["drill", "--level", "basic"],
            ),
            (
                "monthly: and drift, a restore test, the drill jobs in DR",
                ["drill", "--level", "intermediate"],
            ),
            (
                "yearly: and a test failover that touches nothing in production, with its report",
                ["drill", "--level", "full", "--report", "drill-report.html"],
            ),
            (
                "in a maintenance window: a real planned failover and failback",
                ["drill", "--level", "full", "--live"],
            ),
            ("every drill, with the trend of RTO and RPO", ["drill", "history"]),
            ("schedule them", ["drill", "schedule", "--emit", "cron"]),
        ),
    }


def scenarios(
    config: Config, tables: Tables, *, newest_backup: Any, sides: tuple[str, str] | None = None
) -> list[Scenario]:
    """The scenarios of the runbook, each {title, when, steps: [{text, command}]}; a table
    is restored where it is primary now and checked where its replica is (`sides`)."""
    primary, replica = sides or (config.primary, config.dr)
    restore = {
        "title": "Restore a table to a point in time",
        "when": "a bad write (DELETE, UPDATE, overwrite) reached a table; replication has "
        "copied it to DR as well, so DR is no way back: restore the table itself",
        "steps": _restore(config, tables, primary, newest_backup),
    }
    checks = {
        "title": "Verify backups and replicas",
        "when": "weekly, and before relying on DR",
        "steps": _checks(config, tables, replica),
    }
    return [
        restore,
        _outage(config),
        _switchover(config),
        _failback(config),
        checks,
        _drills(config),
    ]
