"""`standby runbook [--format md|html] [--out FILE]`: the DR guide's section 7, generated
from standby.yml and the live state of both sites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from standby.cli.context import current_config
from standby.cli.output import emit, error_console
from standby.drill.render import format_of
from standby.drill.runbook import build_runbook, render_runbook
from standby.errors import BadInput


def runbook_cmd(
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="md or html (default: the --out suffix, else md)."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write it to this file.")] = None,
) -> None:
    """The runbook: contacts, sites and roles at the current epoch, tiers with their targets
    and last measured RTO/RPO, each scenario's exact commands, tables, jobs, DNS."""
    if fmt is not None and fmt not in ("md", "html"):
        raise BadInput(f"--format must be md or html, not {fmt!r}.")
    chosen = fmt or (format_of(out, "md") if out is not None else "md")
    if chosen == "json":
        raise BadInput("Write the runbook as .md or .html (--json prints it as a document).")
    runbook = build_runbook(current_config())
    text = render_runbook(runbook, "html" if chosen == "html" else "md")
    if out is not None:
        out.write_text(text)
        error_console().print(f"runbook written to {out}")
        emit(runbook, lambda c: None)
        return
    emit(runbook, lambda c: c.out(text, end="", highlight=False))
