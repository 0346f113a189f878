"""The root command: `standby [--version] COMMAND ...`, its commands loaded on first use."""

from __future__ import annotations

import json
import sys

import typer

import standby
from standby.cli.commands import COMMANDS
from standby.cli.lazy import LazyGroup, click
from standby.cli.output import flags

HELP = (
    "Disaster recovery for Databricks lakehouses.\n\n"
    "Global options (anywhere on the line): --json, -v, --config FILE.\n\n"
    "standby --version prints the version."
)


class Root(LazyGroup):
    """The `standby` group. `--version` is read here, not declared as a Typer option: typer
    validates every declared option with pydantic, whose import would double start-up."""

    entries = COMMANDS

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args[:1] == ["--version"]:
            print_version()
            raise typer.Exit()
        return super().parse_args(ctx, args)


def print_version() -> None:
    if flags().json:
        sys.stdout.write(json.dumps({"version": standby.__version__}) + "\n")
    else:
        sys.stdout.write(f"standby {standby.__version__}\n")


command = Root(name="standby", help=HELP)
