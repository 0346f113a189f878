"""`standby verify | safe-point`: is a copy whole, and which version can it serve? Any copy
of a table, made by standby or by anything else, checked file by file."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.console import Console

from standby.cli.output import emit
from standby.errors import ProblemFound
from standby.integrity import Problem, SafePoint, VerifyReport, safe_point, verify


def verify_cmd(
    uri: Annotated[str, typer.Argument(help="Replica (or any table) URI.")],
    against: Annotated[
        str | None, typer.Option("--against", help="Compare with this source.")
    ] = None,
    read_data: Annotated[
        bool, typer.Option("--read-data", help="Hash contents, read parquet footers.")
    ] = False,
) -> None:
    """Check every file the retained versions reference (and commits, against a source)."""
    report = verify(uri, against=against, read_data=read_data)
    emit(report, lambda c: render_verify(c, report))
    if not report.ok:
        raise ProblemFound(f"verify found {len(report.problems)} problem(s) in {uri}.")


def render_verify(c: Console, r: VerifyReport) -> None:
    c.print(
        f"version {r.version}: {r.files_checked} file(s) checked from version "
        f"{r.complete_from} on: "
        + ("[green]ok[/]" if r.ok else f"[red]{len(r.problems)} problem(s)[/]")
    )
    render_problems(c, r.problems, width=14)


SHOWN = 20  # problems listed on a terminal; --json lists them all


def render_problems(c: Console, problems: list[Problem], *, width: int) -> None:
    """The first problems, then how many of each kind there are in all."""
    for p in problems[:SHOWN]:
        c.print(f"  {p.kind:{width}} {p.path}  ({p.detail})", soft_wrap=True)
    if len(problems) > SHOWN:
        kinds = Counter(p.kind for p in problems)
        counts = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        c.print(f"  ... {len(problems) - SHOWN} more ({counts} in all; --json lists every one)")


def safe_point_cmd(
    uri: Annotated[str, typer.Argument(help="A copy of a table, made by anything.")],
    repair: Annotated[bool, typer.Option("--repair", help="Move torn commits aside.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Needed with --repair.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what --repair would move.")
    ] = False,
) -> None:
    """The newest version whose commit chain and files are all present."""
    result = safe_point(uri, repair=repair, force=force, dry_run=dry_run)
    emit(result, lambda c: render_safe_point(c, result))
    if result.version is None:
        raise ProblemFound(f"No version of {uri} is whole.")


def render_safe_point(c: Console, r: SafePoint) -> None:
    if r.version is None:
        c.print("[red]no version is whole[/]")
    else:
        c.print(
            f"safe version: {r.version} (latest {r.latest}; {len(r.torn_versions)} torn "
            f"version(s) beyond it)"
        )
    render_problems(c, r.problems, width=8)
    if r.quarantined:
        verb = "would move" if r.dry_run else "moved"
        c.print(f"{verb} {len(r.quarantined)} file(s) to _standby/quarantine/")
