"""`standby failover`: the DR guide's section 5.1, planned or forced."""

from __future__ import annotations

from typing import Annotated

import typer

from standby.cli import params
from standby.cli.context import current_config
from standby.cli.operations import (
    CancelRuns,
    DrainTimeout,
    DryRun,
    Resume,
    SyncConfig,
    Yes,
    asker,
    progress,
    render_outcome,
)
from standby.errors import BadInput
from standby.failover.service import FailoverRequest, failover


def failover_cmd(
    to: Annotated[str | None, typer.Option("--to", help="The site to make primary.")] = None,
    planned: Annotated[
        bool, typer.Option("--planned", help="The primary is up: lose nothing.")
    ] = False,
    forced: Annotated[
        bool, typer.Option("--forced", help="The primary is gone: take the replicas.")
    ] = False,
    dry_run: DryRun = False,
    yes: Yes = False,
    resume: Resume = None,
    sync_config: SyncConfig = False,
    cancel_runs: CancelRuns = False,
    drain_timeout: DrainTimeout = None,
    primary_timeout: Annotated[
        int | None,
        typer.Option(
            "--primary-timeout",
            help="The primary counts as gone after this (30s).",
            parser=params.duration,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Take over a stale lease of another host.")
    ] = False,
) -> None:
    """Make the DR site (or --to SITE) the primary: planned (fence, catch up, promote: no
    commit lost) or forced (replicas at their safe point; the loss measured and reported)."""
    if planned and forced:
        raise BadInput("Give --planned or --forced, not both.")
    request = FailoverRequest(
        to=to,
        mode="planned" if planned else "forced" if forced else None,
        sync_config=sync_config,
        cancel_runs=cancel_runs,
        drain_timeout=drain_timeout,
        primary_timeout=primary_timeout,
        resume=resume,
        force=force,
    )
    result = failover(
        current_config(), request, dry_run=dry_run, on_event=progress, confirm=asker(yes)
    )
    render_outcome(result, dry_run=dry_run)
