"""`standby plan`: storage requests a day and their cost per tier and cloud, and the workers
needed to copy the last day's volume, for the current standby.yml."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from standby.cli.output import emit, fmt_bytes
from standby.cli.params import duration

if TYPE_CHECKING:
    from standby.capacity import CapacityPlan


def plan_cmd(
    window: Annotated[
        int,
        typer.Option(
            "--window", help="Time to copy the last day's volume in (e.g. 1h).", parser=duration
        ),
    ] = 3600,
    worker_mib: Annotated[
        float,
        typer.Option("--worker-mib-per-second", help="One worker's copy rate, MiB/s.", min=0.001),
    ] = 100.0,
    worker_files: Annotated[
        float,
        typer.Option("--worker-files-per-second", help="One worker's files/s.", min=0.001),
    ] = 50.0,
) -> None:
    """Requests per day and their cost at list prices, per tier and cloud; workers needed."""
    from standby.capacity import capacity_plan
    from standby.cli.context import current_config  # pydantic: not for `plan --help`

    result = capacity_plan(
        current_config(),
        window_seconds=window,
        worker_bytes_per_second=worker_mib * (1 << 20),
        worker_files_per_second=worker_files,
    )
    emit(result, lambda c: render_plan(c, result))


def render_plan(c: Console, p: CapacityPlan) -> None:
    t = Table(title="requests per day (list prices, USD)", title_justify="left")
    t.add_column("tier")
    for col in ("tables", "poll", "commits", "requests", "AWS $", "Azure $", "GCP $"):
        t.add_column(col, justify="right", no_wrap=True)
    for r in p.tiers:
        t.add_row(
            r.tier,
            str(r.tables),
            "never" if r.poll_seconds is None else f"{r.poll_seconds:g}s",
            str(r.commits_per_day),
            f"{r.requests_per_day.total:,.0f}",
            *(f"{r.cost_usd_per_day[cloud]:.2f}" for cloud in ("aws", "azure", "gcp")),
        )
    t.add_row(
        "all",
        str(sum(r.tables for r in p.tiers)),
        "",
        str(sum(r.commits_per_day for r in p.tiers)),
        f"{p.requests_per_day:,.0f}",
        *(f"{p.cost_usd_per_day[cloud]:.2f}" for cloud in ("aws", "azure", "gcp")),
    )
    c.print(t)
    c.print(
        f"last day: {p.files_last_day} file(s), {fmt_bytes(p.bytes_last_day)}; copying it in "
        f"{p.window_seconds}s at {fmt_bytes(int(p.worker_bytes_per_second))}/s and "
        f"{p.worker_files_per_second:g} files/s per worker needs {p.workers} worker(s)."
    )
    for s in p.skipped:
        c.print(f"skipped: {s}")
