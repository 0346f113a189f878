"""`safe-point`: the newest version a copy made by anything (S3 CRR, azcopy, a killed run)
can really serve, whatever it lost.

A version is served when the log rebuilds it (commits from version 0, or a whole checkpoint
followed by contiguous commits) and every live file of it is present at its size. Repair
moves what stands between readers and that version aside (see quarantine).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from standby.delta.log import open_log
from standby.delta.presence import inventory
from standby.errors import Refused
from standby.integrity.chain import read_chain
from standby.integrity.findings import Problem, dedupe, nothing_rebuilds
from standby.integrity.quarantine import quarantine, repair_plan
from standby.integrity.replay import replay
from standby.storage import open_store, redact


@dataclass
class SafePoint:
    version: int | None  # None: no version is whole
    complete_from: int | None  # every version from here to `version` is served
    latest: int
    torn_versions: list[int]  # commits beyond the safe version
    problems: list[Problem] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    dry_run: bool = False


def safe_point(
    uri: str, *, repair: bool = False, force: bool = False, dry_run: bool = False
) -> SafePoint:
    """The newest version the copy serves whole; with `repair`, make readers open exactly it.
    A dry run repairs through a store that records the moves instead of making them."""
    dl, listing = open_log(open_store(uri, dry_run=dry_run))
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
