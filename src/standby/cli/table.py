"""`standby table ...`: history, restore, clone (placeholder until tables.py lands)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Delta table history, restore and clone.", no_args_is_help=True)
