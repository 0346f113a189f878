"""`safe-point --repair`: move the log files that keep readers from the safe version aside,
into `_standby/quarantine/<time>/`, never away.

Order, so that a reader in between (or a killed repair) sees no worse a log than before: a
wrong `_last_checkpoint` first (readers list the log without it), then checkpoints that are
torn or newer than the safe version, then the newer commits newest first (the chain never
gets a gap), then checksums and compacted files of the versions that are gone.
"""

from __future__ import annotations

import time

from standby.delta.log import LAST_CHECKPOINT, LOG_DIR, DeltaLog, LogFile, LogKind, commit_path
from standby.errors import ObjectExists, Refused
from standby.integrity.chain import Chain
from standby.storage import redact

QUARANTINE = "_standby/quarantine"


def repair_plan(chain: Chain, safe: int) -> list[str]:
    """The log files to move aside, in order, so that readers open exactly version `safe`."""
    paths: list[str] = []
    hint = chain.hint_version
    if hint is not None and (hint > safe or chain.hint_is_wrong()):
        paths.append(LAST_CHECKPOINT)
    for cp in chain.checkpoints:
        if not cp.whole or cp.version > safe:
            paths += [f.path for f in cp.files]
    paths += [commit_path(v) for v in sorted(chain.listing.commits, reverse=True) if v > safe]
    paths += [f.path for f in chain.listing.others if _last_version(f) > safe]
    return paths


def _last_version(f: LogFile) -> int:
    """The newest version a checksum or compacted file speaks of (-1: not such a file)."""
    if f.kind is LogKind.CRC and f.version is not None:
        return f.version
    if f.kind is LogKind.COMPACTED:
        return int(f.path[len(LOG_DIR) + 1 :].split(".")[1])
    return -1


def quarantine(dl: DeltaLog, paths: list[str], *, safe: int, force: bool) -> list[str]:
    """Move `paths` into _standby/quarantine/<time>/ (copy, then delete), in order; on a
    dry run's store (DryRunStore) the moves are recorded, not made."""
    if not paths:
        return paths
    if not force:
        raise Refused(
            f"Repair would move {len(paths)} log file(s) of {redact(dl.url)} aside, so that it "
            f"reads as version {safe}.",
            hint="Pass --force to do it (they go to _standby/quarantine/, not away), "
            "or --dry-run to see the list.",
        )
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for path in paths:
        data, aside = dl.store.get(path), f"{QUARANTINE}/{stamp}/{path}"
        try:
            dl.store.put(aside, data, mode="create")
        except ObjectExists:
            if dl.store.get(aside) != data:  # a rerun within the second finds its own copy
                raise
        dl.store.delete(path)
    return paths
