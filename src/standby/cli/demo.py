"""`standby demo`: the whole product on a laptop, in under a minute."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.rule import Rule

from standby.cli import backup as backup_cli
from standby.cli import config_workspace as config_cli
from standby.cli import integrity as integrity_cli
from standby.cli import operations as operations_cli
from standby.cli import replicate as replicate_cli
from standby.cli import table as table_cli
from standby.cli.lazy import lazy_module
from standby.cli.output import console, emit, error_console, flags
from standby.errors import BadInput, ProblemFound

if TYPE_CHECKING:
    from standby import demo as demo_lib
else:  # the sandbox (databricks-sdk models) is heavy: loaded when the demo runs
    demo_lib = lazy_module("standby.demo")


class RichNarrator:
    def __init__(self, c: Console):
        self.c = c

    def section(self, title: str) -> None:
        self.c.print(Rule(title, align="left", style="cyan"))

    def command(self, line: str) -> None:
        self.c.print(f"[bold green]$[/] {line}", soft_wrap=True)

    def show(self, result: Any, kind: str) -> None:
        RENDERERS[kind](self.c, result)

    def note(self, text: str) -> None:
        self.c.print(f"  {text}", soft_wrap=True)


RENDERERS: dict[str, Callable[[Console, Any], None]] = {
    "history": table_cli.render_history,
    "restore": table_cli.render_restore,
    "clone": table_cli.render_clone,
    "replicate": lambda c, r: replicate_cli.render_replicate(c, r, []),
    "status": replicate_cli.render_status,
    "verify": integrity_cli.render_verify,
    **backup_cli.RENDERERS,
    **config_cli.RENDERERS,
    "failover": operations_cli.render_report,
}


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where to build the demo.")] = Path(
        "standby-demo"
    ),
    outage: Annotated[
        bool, typer.Option("--outage", help="Tell the regional-outage story: forced failover.")
    ] = False,
) -> None:
    """Build a two-region local lakehouse and walk through what standby does."""
    root = directory.resolve()
    try:  # the demo writes here; a --dir it cannot have is bad input, found before it starts
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BadInput(
            f"--dir {directory} cannot be the demo's directory: {e.strerror or e}."
        ) from None
    # With --json the story goes to stderr and the summary is the one document on stdout.
    narrator = RichNarrator(error_console() if flags().json else console())
    summary = demo_lib.run(root, narrator, outage=outage)
    emit(summary, lambda c: None)
    if not summary.ok:
        raise ProblemFound("The demo did not show what it promises; see the summary above.")
