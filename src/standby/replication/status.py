"""How a replica stands: how far behind, in versions and in seconds of the source's own
clock, and whether anything is wrong with it.

lag_seconds is the age of the oldest source commit the replica does not hold yet (0 when
it holds them all): the data a failover right now would lose, which is what an RPO bounds.
A row is ok only when nothing is wrong; otherwise `problem` says what, one key of
PROBLEMS (the most pressing when several are), and `detail` says it in a sentence.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from standby.delta import DeltaLog
from standby.delta.log import LogListing
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import Diverged, SourceGone, StandbyError, TableNotFound
from standby.replication.identity import check_source, check_tail, list_source
from standby.replication.pair import Pair
from standby.replication.state import ReplicaState, read_state
from standby.storage import ObjectStore, as_store, normalize, redact

# Most pressing first: a source gone is the DR event; a failover happened; the replica
# follows another table; it holds versions its source lacks; someone wrote to it; it
# does not exist; it is behind its RPO target.
STATUS_READERS = 8  # tables read at once: status of a hundred tables is I/O
PROBLEMS = (
    "source_gone",
    "promoted",
    "fenced",
    "identity",
    "ahead",
    "diverged",
    "no_replica",
    "rpo",
)


@dataclass
class TableStatus:
    """How one replica stands; the --json contract of `status`."""

    source: str
    target: str
    source_version: int | None  # None: the source is gone
    replica_version: int | None
    lag_versions: int
    lag_seconds: float
    rpo_target_seconds: float | None
    ok: bool
    last_replicated_commit_timestamp: int | None = None
    table: str | None = None  # the Unity Catalog name, where standby.yml gives it
    tier: str | None = None
    problem: str | None = None  # a key of PROBLEMS, or "unreadable" (config mode)
    detail: str | None = None


def table_status(
    source: str | ObjectStore,
    target: str | ObjectStore,
    *,
    rpo_seconds: float | None = None,
    source_options: Mapping[str, str] | None = None,
    target_options: Mapping[str, str] | None = None,
    now: Callable[[], float] = time.time,
    table: str | None = None,
    tier: str | None = None,
    fenced: str | None = None,
) -> TableStatus:
    """How far one replica is behind its source, and whether anything is wrong with it.

    Reads only: a listing of each log from the replica's recorded version, and a few
    commits. The lag is measured from the logs' commit timestamps: `lag_seconds` is the age
    of the oldest source commit the replica lacks (what a failover now would lose).

    Args:
        source: The source table's URI, or a store opened at its root.
        target: The replica's URI, or a store opened at its root.
        rpo_seconds: The RPO target: a lag beyond it is a problem ("rpo").
        source_options: Options for opening the source URI.
        target_options: Options for opening the target URI.
        now: The clock the lag is measured against.
        table: The Unity Catalog name the row carries, if any.
        tier: The tier the row carries, if any.
        fenced: Why the control objects fence the pair, when the caller knows they do.

    Returns:
        The row: `ok`, else `problem` (a key of PROBLEMS, the most pressing) and `detail`.
        A source that is gone is a row with problem "source_gone", not an error.

    Raises:
        Unreachable: A storage cannot be reached.
    """
    src_log = DeltaLog(as_store(source, options=source_options))
    dst_log = DeltaLog(as_store(target, options=target_options))
    state = read_state(dst_log.store)
    hint = state.last_version if state else 0
    dst = dst_log.list(from_version=hint)
    row = TableStatus(
        source=redact(src_log.url),
        target=redact(dst_log.url),
        source_version=None,
        replica_version=max(dst.commits)
        if dst.commits
        else (state.last_version if state else None),
        lag_versions=0,
        lag_seconds=0.0,
        rpo_target_seconds=rpo_seconds,
        ok=False,
        last_replicated_commit_timestamp=state.last_commit_timestamp if state else None,
        table=table,
        tier=tier,
    )
    try:
        src = _source_listing(src_log, state, hint, name=row.source)
    except SourceGone as e:
        return _with(row, "source_gone", e.message)
    row.source_version = src.latest
    _lag(row, src_log, src, now)
    found = _problems(row, state, (src_log, dst_log), (src, dst))
    if fenced is not None:
        found.append(("fenced", fenced))
    found.sort(key=lambda f: PROBLEMS.index(f[0]))
    return _with(row, *found[0]) if found else _with(row, None, None)


def _source_listing(
    src_log: DeltaLog, state: ReplicaState | None, hint: int, *, name: str
) -> LogListing:
    if state is not None:
        return list_source(src_log, from_version=hint, name=name)
    listing = src_log.list(from_version=hint)
    if not listing.commits:
        raise TableNotFound(f"{name} is not a Delta table: no commits in _delta_log/.")
    return listing


def _lag(row: TableStatus, src_log: DeltaLog, src: LogListing, now: Callable[[], float]) -> None:
    replica = row.replica_version
    behind = [v for v in sorted(src.commits) if replica is None or v > replica]
    row.lag_versions = len(behind)
    if behind:
        first = timestamp_of(commit_info_of(src_log.read_raw(behind[0]) or b""))
        lag = max(0.0, now() - first / 1000) if first is not None else float("inf")
        row.lag_seconds = round(lag, 3)


def _problems(
    row: TableStatus,
    state: ReplicaState | None,
    logs: tuple[DeltaLog, DeltaLog],
    listings: tuple[LogListing, LogListing],
) -> list[tuple[str, str]]:
    src_log, dst_log = logs
    src, dst = listings
    found: list[tuple[str, str]] = []
    if state is not None:
        mine = dst.commits.get(state.last_version)
        finding = check_source(
            state,
            src_log,
            src,
            replica=dst_log,
            replica_size=mine.size if mine is not None else None,
            deep=True,
        )
        if finding is not None:
            found.append((finding.problem, finding.detail))
    try:
        check_tail(src_log, dst_log, state.last_version if state else -1, dst)
    except Diverged as e:
        found.append(("diverged", e.message))
    if row.replica_version is None:
        found.append(("no_replica", f"No replica at {row.target} yet."))
    elif row.rpo_target_seconds is not None and row.lag_seconds > row.rpo_target_seconds:
        found.append(
            (
                "rpo",
                f"{row.lag_versions} version(s) behind, the oldest {row.lag_seconds:.0f} s "
                f"old: over the RPO target of {row.rpo_target_seconds:.0f} s.",
            )
        )
    return found


def _with(row: TableStatus, problem: str | None, detail: str | None) -> TableStatus:
    row.problem, row.detail, row.ok = problem, detail, problem is None
    return row


def statuses(
    pairs: Sequence[Pair],
    *,
    fenced: Mapping[Pair, str] | None = None,
    keep_going: bool = False,
    now: Callable[[], float] = time.time,
) -> list[TableStatus]:
    """The status of every pair, in order. With `keep_going`, a table that cannot be read
    (a store unreachable, a state file damaged) is a row with problem "unreadable"
    instead of an error that hides the other tables."""

    def one(pair: Pair) -> TableStatus:
        try:
            return table_status(
                pair.source,
                pair.target,
                rpo_seconds=pair.rpo_seconds,
                source_options=pair.source_options,
                target_options=pair.target_options,
                now=now,
                table=pair.name,
                tier=pair.tier,
                fenced=(fenced or {}).get(pair),
            )
        except StandbyError as e:
            if not keep_going:
                raise
            return unreadable(pair, e)

    with ThreadPoolExecutor(STATUS_READERS) as pool:
        return list(pool.map(one, pairs))


def unreadable(pair: Pair, error: StandbyError) -> TableStatus:
    return TableStatus(
        source=_redacted(pair.source),
        target=_redacted(pair.target),
        source_version=None,
        replica_version=None,
        lag_versions=0,
        lag_seconds=0.0,
        rpo_target_seconds=pair.rpo_seconds,
        ok=False,
        table=pair.name,
        tier=pair.tier,
        problem="unreadable",
        detail=f"{type(error).__name__}: {error}",
    )


def _redacted(uri: str) -> str:
    try:
        return redact(normalize(uri))
    except StandbyError:
        return "?"
