"""The library's failover, reprotect and failback (`standby.failover`, ...): the options as
keywords, run with every URL opened with its site's storage options, as the commands do."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict, Unpack

from standby.config import Config
from standby.failover import failback as _failback
from standby.failover import service
from standby.failover.context import Mode
from standby.failover.service import FailoverRequest, Planned
from standby.operations.clock import Clock
from standby.operations.journal import Journal
from standby.operations.runner import Event
from standby.site_options import options_by_url


class OperationOptions(TypedDict, total=False):
    """The options of `failover`, `reprotect` and `failback`, beyond the config."""

    to: str | None  # the site to make primary (the other one by default)
    sync_config: bool  # sync workspace configuration to it first
    cancel_runs: bool  # cancel runs of the jobs being paused instead of waiting
    drain_timeout: float | None  # seconds to wait for runs to finish (standby.yml's)
    primary_timeout: float | None  # seconds after which the primary counts as gone
    resume: str | None  # continue this operation id
    force: bool  # take over a stale lease of another host


def failover(
    config: Config,
    *,
    mode: Mode | None = None,
    dry_run: bool = False,
    clock: Clock | None = None,
    on_event: Callable[[Event], None] | None = None,
    confirm: Callable[[Planned], bool] | None = None,
    **options: Unpack[OperationOptions],
) -> Planned | Journal:
    """Move the primary role to the other site (the DR guide's 5.1).

    Planned: fence the primary, catch the replicas up, promote them: no commit is lost.
    Forced (the primary is gone): promote the replicas at their safe point; the loss is
    measured per table from the logs. Every step is journaled before and after it runs and
    is idempotent; a rerun resumes the unfinished operation with its first arguments.

    Args:
        config: The loaded standby.yml.
        mode: "planned" or "forced"; None: planned if the primary answers within
            `primary_timeout`, forced otherwise.
        dry_run: Return each step's plan; change nothing anywhere.
        clock: The clock the journal records (the system's by default).
        on_event: Told when each step starts, ends or fails.
        confirm: Shown the plan before a fresh operation starts; False stops it.
        **options: See `OperationOptions`.

    Returns:
        The plan (dry run, or not confirmed), else the journal with its report.

    Raises:
        BadInput: An unknown site, or `resume` names an operation of another kind.
        Refused: Preflight refused (nothing changed), or the lease is held (LeaseHeld).
        StandbyError: The first failing step's error; the journal says where it stopped.
    """
    with options_by_url(config.storage_options_for):
        return service.failover(
            config,
            FailoverRequest(mode=mode, **options),
            dry_run=dry_run,
            clock=clock,
            on_event=on_event,
            confirm=confirm,
        )


def reprotect(
    config: Config,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    on_event: Callable[[Event], None] | None = None,
    **options: Unpack[OperationOptions],
) -> Planned | Journal:
    """Make the old primary a replica of the site that is primary now (the DR guide's 5.2).

    Its divergence (commits the DR site never got) is rewound to the fork and moved aside
    with a manifest, never deleted; then it is replicated from the primary. Journaled and
    resumable as `failover` is.

    Args:
        config, dry_run, clock, on_event, **options: As for `failover`.

    Returns:
        The plan of a dry run, else the journal with its report.

    Raises:
        Refused: No site is primary on every root, preflight refused, or LeaseHeld.
        StandbyError: The first failing step's error; the journal says where it stopped.
    """
    with options_by_url(config.storage_options_for):
        return _failback.reprotect(
            config, FailoverRequest(**options), dry_run=dry_run, clock=clock, on_event=on_event
        )


def failback(
    config: Config,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    on_event: Callable[[Event], None] | None = None,
    confirm: Callable[[Planned], bool] | None = None,
    **options: Unpack[OperationOptions],
) -> Planned | Journal:
    """Return the primary role to the original site: reprotect if needed, a planned
    failover back (no commit lost), then the other site becomes a replica again.

    Journaled and resumable as `failover` is.

    Args:
        config, dry_run, clock, on_event, confirm, **options: As for `failover`.

    Returns:
        The plan (dry run, or not confirmed), else the journal with its report.

    Raises:
        BadInput: `to` names the site that is primary already.
        Refused: No site is primary on every root, preflight refused, or LeaseHeld.
        StandbyError: The first failing step's error; the journal says where it stopped.
    """
    with options_by_url(config.storage_options_for):
        return _failback.failback(
            config,
            FailoverRequest(**options),
            dry_run=dry_run,
            clock=clock,
            on_event=on_event,
            confirm=confirm,
        )
