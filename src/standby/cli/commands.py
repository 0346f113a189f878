"""Every command of `standby`: where it lives and its one-line help, in one registry.

The root group lists commands from here and imports a command's module only when that
command runs (see `standby.cli.lazy`), so `standby --help` and a table command do not pay
for databricks-sdk, pydantic or the storage stack. A new command is one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A command (a function) or a group of commands (a Typer app): `attribute` of `module`."""

    module: str
    attribute: str
    help: str


@dataclass(frozen=True)
class Group:
    """A group whose commands live in several modules, each loaded on first use."""

    help: str
    commands: Mapping[str, Command | Group]


Entry = Command | Group

COMMANDS: Mapping[str, Entry] = {
    "replicate": Command(
        "standby.cli.replicate",
        "replicate",
        "Replicate tables to the DR site, in log order.",
    ),
    "status": Command(
        "standby.cli.replicate",
        "status",
        "Per table: source and replica versions, lag, RPO met?",
    ),
    "verify": Command(
        "standby.cli.integrity",
        "verify_cmd",
        "Check every file the retained versions reference.",
    ),
    "safe-point": Command(
        "standby.cli.integrity",
        "safe_point_cmd",
        "The newest version whose commit chain and files are all present.",
    ),
    "failover": Command(
        "standby.cli.failover",
        "failover_cmd",
        "Make the DR site primary: planned (no commit lost) or forced.",
    ),
    "reprotect": Command(
        "standby.cli.failback",
        "reprotect_cmd",
        "Make the old primary a replica of the current one (rewind, replicate back).",
    ),
    "failback": Command(
        "standby.cli.failback",
        "failback_cmd",
        "Reprotect, then fail over back with no commit lost.",
    ),
    "orphaned": Command(
        "standby.cli.failback",
        "orphaned_app",
        "Commits a reprotect moved aside: show them, export them as a table.",
    ),
    "operations": Command(
        "standby.cli.operations",
        "operations_app",
        "The journals of failovers, failbacks and drills.",
    ),
    "drill": Command(
        "standby.cli.drill",
        "app",
        "DR drills by level, measured, with a report; their history and schedule.",
    ),
    "runbook": Command(
        "standby.cli.runbook",
        "runbook_cmd",
        "The runbook: contacts, roles, targets, each scenario's exact commands.",
    ),
    "demo": Command(
        "standby.cli.demo",
        "demo",
        "A two-region lakehouse on this machine, and what standby does.",
    ),
    "table": Command("standby.cli.table", "app", "Delta table history, restore and clone."),
    "config": Group(
        "Check standby.yml; export, diff and sync workspace config.",
        {
            "check": Command(
                "standby.cli.config", "check_cmd", "Validate standby.yml and summarise it."
            ),
            "export": Command(
                "standby.cli.config_workspace",
                "export_cmd",
                "Export a workspace's configuration to a snapshot directory.",
            ),
            "diff": Command(
                "standby.cli.config_workspace",
                "diff_cmd",
                "What differs between two workspaces or snapshots.",
            ),
            "sync": Command(
                "standby.cli.config_workspace",
                "sync_cmd",
                "Create or update the target workspace's objects by name.",
            ),
        },
    ),
    "backup": Command(
        "standby.cli.backup",
        "app",
        "Backups by clone: run, list, verify, prune, restore, schedule.",
    ),
    "sandbox": Command(
        "standby.cli.sandbox", "app", "A local Databricks workspace API for rehearsals."
    ),
    "job": Command("standby.cli.job", "app", "standby as a Databricks job (emit, --apply)."),
    "plan": Command("standby.cli.plan", "plan_cmd", "Requests a day and their cost; workers."),
}
