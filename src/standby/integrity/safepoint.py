"""`safe-point`: the newest version a copy made by anything (S3 CRR, azcopy, a killed run)
can really serve, whatever it lost.

A version is served when the log rebuilds it (commits from version 0, or a whole checkpoint
followed by contiguous commits) and every live file of it is present at its size. Repair
moves what stands between readers and that version aside (see quarantine).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from standby.delta.log import open_log
from standby.delta.presence import inventory
from standby.errors import Refused
from standby.integrity.chain import read_chain
from standby.integrity.findings import Problem, dedupe, nothing_rebuilds
from standby.integrity.quarantine import quarantine, repair_plan
from standby.integrity.replay import replay
from standby.storage import ObjectStore, as_store, redact


@dataclass
class SafePoint:
    """The newest version a copy serves whole, and what a repair moved aside."""

    version: int | None  # None: no version is whole
    complete_from: int | None  # every version from here to `version` is served
    latest: int
    torn_versions: list[int]  # commits beyond the safe version
    problems: list[Problem] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    dry_run: bool = False


def safe_point(
    table: str | ObjectStore,
    *,
    repair: bool = False,
    force: bool = False,
    dry_run: bool = False,
    storage_options: Mapping[str, str] | None = None,
) -> SafePoint:
    """The newest version a table copy made by anything (a killed run, S3 replication,
    azcopy) serves whole: the log rebuilds it and every live file of it is present.

    Reads only, unless `repair`: then what keeps readers from that version (later commits,
    checkpoints beyond it) is moved aside into the table's quarantine, never deleted.

    Args:
        table: The copy's URI, or a store opened at its root.
        repair: Make readers open exactly the safe version.
        force: Let the repair move files (without it, Refused says what it would move).
        dry_run: Plan the repair through a store that records the moves, make none.
        storage_options: Options for opening a URI.

    Returns:
        The safe version (None when no version is whole), where the run of whole versions
        starts, the torn versions beyond it, and what was (or would be) moved aside.

    Raises:
        TableNotFound: No Delta log at the location.
        Refused: A repair without `force` that would move files, or while no version
            is whole.
        Unreachable: The storage cannot be reached.
    """
    dl, listing = open_log(as_store(table, options=storage_options, dry_run=dry_run))
    chain = read_chain(dl, listing)
    passed = replay(dl, chain, inventory(dl.store))
    safe = passed.whole[-1] if passed.whole else None
    problems = [*chain.problems, *passed.problems]
    if passed.newest is not None and passed.newest != safe:
        problems += passed.holes
    if passed.newest is None:
        problems.append(nothing_rebuilds(chain.latest))
    result = SafePoint(
        version=safe,
        complete_from=_run_start(passed.whole, safe),
        latest=chain.latest,
        torn_versions=[v for v in sorted(listing.commits) if safe is None or v > safe],
        problems=dedupe(problems),
        dry_run=dry_run,
    )
    if safe is not None and (repair or dry_run):
        result.quarantined = quarantine(
            dl, repair_plan(chain, safe), safe=safe, force=force or dry_run
        )
    elif repair and not dry_run:
        raise Refused(
            f"No version of {redact(dl.url)} is whole: there is nothing safe to keep.",
            hint="Copy the table again from its source, or restore it from a backup.",
        )
    return result


def _run_start(whole: list[int], safe: int | None) -> int | None:
    """The first of the consecutive whole versions that end at `safe`."""
    if safe is None:
        return None
    served = set(whole)
    first = safe
    while first - 1 in served:
        first -= 1
    return first
