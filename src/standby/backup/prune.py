"""`backup prune`: apply a policy's retention, and clear what killed runs left behind.

Everything is decided first, in a `PruneResult`; a dry run returns it, a real run carries
out exactly that. Deletion order keeps the catalog honest: a backup's data goes first and
its catalog entry last, so an entry never names a backup that is half gone. Incremental
backups share one table per table and policy: pruning one forgets its version, and the
files that no kept version (nor the latest) references are swept, as a VACUUM would.
A run that may still be writing (see `journal.is_live`) is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from standby.backup.catalog import BackupEntry, Catalog
from standby.backup.journal import is_live, read_runs, record_path
from standby.backup.retention import plan_retention
from standby.config import BackupPolicy
from standby.delta import DeltaLog, load_snapshot
from standby.delta.log import LOG_DIR
from standby.delta.presence import inventory
from standby.delta.snapshot import object_path
from standby.errors import Refused
from standby.storage import open_store, redact
from standby.storage.tree import tree_size


@dataclass
class PrunedBackup:
    id: str
    table: str
    kind: str
    created: int
    location: str
    path: str  # relative to the backup root
    files: int  # objects deleted with it (0 for an incremental backup: see `swept`)
    bytes: int


@dataclass
class KeptBackup:
    id: str
    table: str
    reasons: list[str]


@dataclass
class Leftover:
    """The files of a backup that a killed run started and never recorded."""

    run_id: str
    backup_id: str
    table: str
    location: str
    path: str
    files: int
    bytes: int


@dataclass
class Sweep:
    """Files of an incremental backup table that no kept backup needs any more."""

    location: str
    path: str
    files: list[str]  # relative to `path`
    bytes: int
    whole: bool = False  # no backup is left in it: the whole directory goes


@dataclass
class PruneResult:
    policy: str
    root: str
    dry_run: bool
    kept: list[KeptBackup] = field(default_factory=list)
    deleted: list[PrunedBackup] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)
    swept: list[Sweep] = field(default_factory=list)
    live_runs: list[str] = field(default_factory=list)  # left alone: they may still write
    finished_runs: list[str] = field(default_factory=list)  # their journal records go

    @property
    def deleted_bytes(self) -> int:
        return (
            sum(d.bytes for d in self.deleted)
            + sum(x.bytes for x in self.leftovers)
            + sum(s.bytes for s in self.swept)
        )


def prune(
    policy: BackupPolicy,
    root: str,
    *,
    dry_run: bool = False,
    force: bool = False,
    clock: Callable[[], float] = time.time,
) -> PruneResult:
    """Plan, then carry out, the prune of one policy's backups under `root`; a dry run
    carries it out on a store that records the deletions instead of making them.

    Raises Refused, before deleting anything, when a table would be left with no backup
    (every one of them found broken) and `force` is not given.
    """
    catalog = Catalog(root, store=open_store(root, dry_run=dry_run))
    result = plan_prune(catalog, policy, now_ms=int(clock() * 1000), dry_run=dry_run)
    lost = _tables_left_empty(result)
    if lost and not force:
        raise Refused(
            f"Pruning policy '{policy.name}' would delete every backup of {', '.join(lost)}: "
            "all of them were found broken by `standby backup verify`.",
            hint="Make a new backup first (`standby backup run`), or pass --force.",
        )
    _carry_out(catalog, result)
    return result


def plan_prune(
    catalog: Catalog, policy: BackupPolicy, *, now_ms: int, dry_run: bool
) -> PruneResult:
    """What a prune deletes, computed without changing anything."""
    result = PruneResult(policy.name, redact(catalog.url), dry_run)
    entries = catalog.entries()
    mine = [e for e in entries if e.policy == policy.name]
    broken = {i for i, v in catalog.verifications().items() if not v.ok}
    retained = plan_retention(mine, policy.retention, now_ms=now_ms, broken=broken)
    by_id = {e.id: e for e in mine}
    result.kept = [KeptBackup(i, by_id[i].table, r) for i, r in retained.keep.items()]
    doomed = [by_id[i] for i in retained.delete]
    for e in doomed:
        size = tree_size(catalog.store, e.path) if e.kind != "incremental" else None
        result.deleted.append(
            PrunedBackup(
                e.id,
                e.table,
                e.kind,
                e.created,
                catalog.location(e),
                e.path,
                size.files if size else 0,
                size.bytes if size else 0,
            )
        )
    runs = [r for r in read_runs(catalog.store) if r.policy == policy.name]
    live = [r for r in runs if is_live(r, now_ms=now_ms)]
    result.live_runs = [r.id for r in live]
    result.finished_runs = [r.id for r in runs if r not in live]
    catalogued = {e.id for e in entries}
    incremental = {e.path for e in mine if e.kind == "incremental"}
    for run in runs:
        if run in live:
            continue
        for b in run.backups:
            if b.kind == "incremental":
                incremental.add(b.path)
            elif b.id not in catalogued:
                size = tree_size(catalog.store, b.path)
                if size.files:
                    location = redact(f"{catalog.url}/{b.path}")
                    result.leftovers.append(
                        Leftover(run.id, b.id, b.table, location, b.path, size.files, size.bytes)
                    )
    busy = {b.path for r in live for b in r.backups}
    gone = {e.id for e in doomed}
    for path in sorted(incremental - busy):
        sweep = _sweep(catalog, path, [e for e in entries if e.path == path and e.id not in gone])
        if sweep.files:
            result.swept.append(sweep)
    return result


def _sweep(catalog: Catalog, path: str, kept: list[BackupEntry]) -> Sweep:
    """The files of the incremental table at `path` that neither a kept backup's version
    nor the latest version references; all of them when no backup is kept there."""
    location = redact(f"{catalog.url}/{path}")
    if not kept:
        objects = list(catalog.store.list(path + "/"))
        files = [o.path[len(path) + 1 :] for o in objects]
        return Sweep(location, path, files, sum(o.size for o in objects), whole=True)
    log = DeltaLog(open_store(f"{catalog.url}/{path}"))
    listing = log.list()
    needed: set[str] = set()
    for version in {e.version for e in kept} | {listing.latest}:
        if version is not None:
            snap = load_snapshot(log, version, listing=listing)
            needed |= {object_path(f.path) for f in snap.referenced_files() if f.relative}
    present = inventory(log.store)
    unused = sorted(p for p in present if p not in needed and not p.startswith(LOG_DIR + "/"))
    return Sweep(location, path, unused, sum(present[p] for p in unused))


def _tables_left_empty(result: PruneResult) -> list[str]:
    kept = {k.table for k in result.kept}
    return sorted({d.table for d in result.deleted if d.table not in kept})


def _carry_out(catalog: Catalog, result: PruneResult) -> None:
    store = catalog.store
    for d in result.deleted:
        if d.kind != "incremental":
            store.delete_prefix(d.path)
    for s in result.swept:
        if s.whole:
            store.delete_prefix(s.path)
        else:
            for f in s.files:
                store.delete(f"{s.path}/{f}")
    for d in result.deleted:  # catalog entries last: only once their data is gone
        catalog.remove(d.id)
    for x in result.leftovers:
        store.delete_prefix(x.path)
    for run_id in result.finished_runs:
        store.delete(record_path(run_id, result.policy))
