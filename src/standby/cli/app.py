"""The root Typer application; each command group lives in its own module."""

from __future__ import annotations

import typer

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
    # Imported here so that each group module can import `app` helpers without cycles.
    from standby.cli import config, demo, replicate, sandbox, table

    app.add_typer(table.app, name="table")
    app.add_typer(config.app, name="config")
    from standby.cli import backup; app.add_typer(backup.app, name="backup")  # noqa: E702, I001  # fmt: skip
    app.command("replicate")(replicate.replicate)
    app.command("status")(replicate.status)
    app.command("verify")(replicate.verify_cmd)
    app.command("safe-point")(replicate.safe_point_cmd)
    app.add_typer(sandbox.app, name="sandbox")
    app.command("demo")(demo.demo)


_register()
