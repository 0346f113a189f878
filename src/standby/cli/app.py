"""The root Typer application; each command group lives in its own module."""

from __future__ import annotations

import typer

from standby.cli import (
    backup,
    config,
    config_workspace,
    demo,
    drill,
    failback,
    failover,
    replicate,
    runbook,
    sandbox,
    table,
)

app = typer.Typer(
    name="standby",
    help="Disaster recovery for Databricks lakehouses.\n\n"
    "Global options (anywhere on the line): --json, -v, --config FILE.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _register() -> None:
    app.add_typer(table.app, name="table")
    config.app.command("export")(config_workspace.export_cmd)
    config.app.command("diff")(config_workspace.diff_cmd)
    config.app.command("sync")(config_workspace.sync_cmd)
    app.add_typer(config.app, name="config")
    app.add_typer(backup.app, name="backup")
    app.command("replicate")(replicate.replicate)
    app.command("status")(replicate.status)
    app.command("verify")(replicate.verify_cmd)
    app.command("safe-point")(replicate.safe_point_cmd)
    app.command("failover")(failover.failover_cmd)
    app.command("reprotect")(failback.reprotect_cmd)
    app.command("failback")(failback.failback_cmd)
    app.add_typer(failback.orphaned_app, name="orphaned")
    app.add_typer(failover.operations_app, name="operations")
    app.add_typer(drill.app, name="drill")
    app.command("runbook")(runbook.runbook_cmd)
    app.add_typer(sandbox.app, name="sandbox")
    app.command("demo")(demo.demo)


_register()
