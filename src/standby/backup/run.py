"""`backup run`: one backup of each table of each policy, at a recorded source version.

Deep: a deep clone into a directory of its own. Shallow: a shallow clone (no data copied;
valid while the source keeps its files). Incremental: a re-clone into one directory per
table and policy, adding one version per run. Each run first writes its journal record
naming every backup it will make; each backup is checked after copying and only then gets
its catalog entry. A run killed anywhere leaves no entry for what it did not finish.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from standby.backup.catalog import BackupEntry, Catalog, new_id
from standby.backup.journal import PlannedBackup, RunJournal, RunRecord
from standby.backup.targets import PolicyTargets, TableSource
from standby.backup.verify import check_backup
from standby.delta.log import open_log
from standby.delta.timestamps import timestamp_of
from standby.engines import CopyExecutor, Progress
from standby.errors import Partial, ProblemFound, StandbyError
from standby.storage import join, open_store, redact
from standby.storage.overlap import refuse_overlap
from standby.tables import clone
from standby.tables.history import read_infos, resolve_version

log = logging.getLogger(__name__)


@dataclass
class TableBackup:
    """One backup made (or, on a dry run, planned)."""

    id: str
    policy: str
    table: str
    kind: str
    source: str
    source_version: int
    source_commit_time: int | None
    location: str
    version: int | None  # the backup table's version; None on a dry run
    files: int
    size_bytes: int
    copied_files: int
    copied_bytes: int
    seconds: float


@dataclass
class BackupFailure:
    policy: str
    table: str
    error: str
    error_type: str  # the StandbyError class, as in the `type` of an error document


@dataclass
class RunResult:
    run_id: str
    dry_run: bool
    backups: list[TableBackup] = field(default_factory=list)
    failures: list[BackupFailure] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.errors: list[StandbyError] = []  # of the failures, in order; not a field: no JSON

    def check(self) -> None:
        """Raise Partial when some tables failed and others were backed up; when every one
        failed, the first failure's own error."""
        if not self.failures:
            return
        if not self.backups:
            raise self.errors[0]
        first = self.failures[0]
        raise Partial(
            f"{len(self.failures)} of {len(self.failures) + len(self.backups)} table(s) "
            f"failed; the others are backed up. The first: {first.table}: {first.error}",
            hint="Fix the failed tables and run `standby backup run` again.",
        )


@dataclass(frozen=True)
class Planned:
    """One backup a run is about to make."""

    run_id: str
    target: PolicyTargets
    source: TableSource
    backup_id: str
    path: str  # relative to the backup root


def run_backups(
    targets: list[PolicyTargets],
    *,
    dry_run: bool = False,
    executor: CopyExecutor | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.time,
) -> RunResult:
    """Back up every table of `targets`. A table that fails is reported in `failures`; the
    others are still backed up. A dry run runs the same steps over a catalog store that
    records its writes (journal, entries) instead of making them, and plans each clone."""
    for target in targets:
        for table in target.tables:
            refuse_overlap(table.uri, target.root, target_what="backup root")
    result = RunResult(new_id(_ms(clock)), dry_run)
    for target in targets:
        kind, name = target.policy.kind, target.policy.name
        planned = [
            Planned(result.run_id, target, s, i, s.backup_path(kind, i, name))
            for s in target.tables
            for i in [new_id(_ms(clock))]
        ]
        catalog = Catalog(target.root, store=open_store(target.root, dry_run=dry_run))
        record = RunRecord(
            id=result.run_id,
            policy=name,
            host=socket.gethostname(),
            pid=os.getpid(),
            started=_ms(clock),
            updated=_ms(clock),
            backups=[
                PlannedBackup(id=p.backup_id, table=p.source.name, kind=kind, path=p.path)
                for p in planned
            ],
        )
        with RunJournal(catalog.store, record, clock=clock) as journal:
            for p in planned:
                error = _into(result, p, catalog, dry_run, executor, progress, clock)
                journal.finish(p.backup_id, error=error)
    return result


def _into(
    result: RunResult,
    planned: Planned,
    catalog: Catalog,
    dry_run: bool,
    executor: CopyExecutor | None,
    progress: Progress | None,
    clock: Callable[[], float],
) -> str | None:
    """Make one backup into `result`; returns the error message when it failed."""
    try:
        made = backup_table(
            planned,
            catalog=catalog,
            dry_run=dry_run,
            executor=executor,
            progress=progress,
            clock=clock,
        )
    except StandbyError as e:
        log.warning("backup of %s failed: %s", planned.source.name, e)
        result.failures.append(
            BackupFailure(planned.target.policy.name, planned.source.name, str(e), type(e).__name__)
        )
        result.errors.append(e)
        return str(e)
    result.backups.append(made)
    return None


def backup_table(
    planned: Planned,
    *,
    catalog: Catalog,
    dry_run: bool = False,
    executor: CopyExecutor | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.time,
) -> TableBackup:
    """Clone the table at its latest version, check the copy and record it in the catalog.
    A dry run plans the clone (nothing copied, no version made: nothing to record)."""
    started = clock()
    policy, source = planned.target.policy, planned.source
    src_log, listing = open_log(open_store(source.uri))
    version = resolve_version(src_log, listing)
    commit_time = timestamp_of(read_infos(src_log, [version])[version])
    location = join(planned.target.root, planned.path)
    cloned = clone(
        source.uri,
        location,
        shallow=policy.kind == "shallow",
        version=version,
        replace=policy.kind == "incremental",
        dry_run=dry_run,
        executor=executor,
        progress=progress,
    )
    made = TableBackup(
        id=planned.backup_id,
        policy=policy.name,
        table=source.name,
        kind=policy.kind,
        source=redact(source.uri),
        source_version=version,
        source_commit_time=commit_time,
        location=redact(location),
        version=cloned.target_version,
        files=cloned.source_num_of_files,
        size_bytes=cloned.source_table_size,
        copied_files=cloned.num_copied_files,
        copied_bytes=cloned.copied_bytes,
        seconds=0.0,
    )
    if cloned.target_version is not None:
        _record(planned, made, catalog, location, started=started, clock=clock)
    made.seconds = round(clock() - started, 3)
    return made


def _record(
    planned: Planned,
    made: TableBackup,
    catalog: Catalog,
    location: str,
    *,
    started: float,
    clock: Callable[[], float],
) -> None:
    """Check the copy, then record it: an entry exists only for a whole backup."""
    assert made.version is not None
    entry = BackupEntry(
        id=planned.backup_id,
        run_id=planned.run_id,
        policy=made.policy,
        table=made.table,
        source=made.source,
        source_version=made.source_version,
        source_commit_time=made.source_commit_time,
        kind=planned.target.policy.kind,
        path=planned.path,
        version=made.version,
        files=made.files,
        size_bytes=made.size_bytes,
        copied_files=made.copied_files,
        copied_bytes=made.copied_bytes,
        started=int(started * 1000),
        created=_ms(clock),
    )
    check = check_backup(entry, location)
    if not check.ok:
        first = check.problems[0]
        raise ProblemFound(
            f"The backup of {made.table} is incomplete right after copying "
            f"({first.path}: {first.detail}); it was not recorded.",
            hint="Rerun `standby backup run`; `standby backup prune` removes what is left.",
        )
    catalog.add(entry)


def _ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)
