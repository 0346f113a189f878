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
    from standby.cli import demo, table

    app.add_typer(table.app, name="table")
    from standby.cli import config as config_cmd; app.add_typer(config_cmd.app, name="config")  # noqa: E702, I001  # fmt: skip
    app.command("demo")(demo.demo)
    from standby.cli import sandbox; app.add_typer(sandbox.app, name="sandbox")  # noqa: E702, I001  # fmt: skip


_register()
