"""What a replicator knows of its source from one pass to the next.

Before a pass writes anything: the source is still there (else SourceGone) and is the
table the replica belongs to, and the replica was not promoted (else refused). During the
pass: what it saw on the source (its newest version, that commit's time, when), recorded
in the replica state for a forced failover's report, and the lag of a failing follower.
A quiet poll costs nothing beyond the listings the pass makes anyway; a follower re-reads
the state only before a pass that may write, or every SEEN_REFRESH_SECONDS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from standby.delta import DeltaLog
from standby.delta.log import LogListing
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import SourceGone, TableNotFound
from standby.replication.identity import check_source, list_source
from standby.replication.state import ReplicaState, read_state
from standby.storage import redact

SEEN_REFRESH_SECONDS = 60.0  # a quiet follower writes what it saw at most this often


class SourceWatch:
    """One table's source, watched by its replicator (the logs are the replicator's)."""

    def __init__(
        self, source: DeltaLog, replica: DeltaLog, *, clock: Callable[[], float] = time.time
    ):
        self.source, self.replica, self.clock = source, replica, clock
        # The commit time of the oldest source version the replica lacks, as of the last
        # listing (None: caught up): the lag of a failing follower.
        self.pending_since_ms: int | None = None
        self.saved_at = float("-inf")  # when the state was last written
        self._raws: dict[int, bytes] = {}  # source commits read ahead by observe()

    def listing(self, state: ReplicaState | None, low: int) -> LogListing:
        """The source's log from `low`. SourceGone when a source replicated before is gone;
        TableNotFound when a first pass finds no table."""
        name = redact(self.source.url)
        if state is not None:
            return list_source(self.source, from_version=low, name=name)
        listing = self.source.list(from_version=low)
        if listing.latest is None:
            if self.replica.list().latest is not None:  # a replica (its state lost) is there
                raise SourceGone(f"The source {name} is gone: it holds no Delta log.")
            raise TableNotFound(f"{name} is not a Delta table: no commits in _delta_log/.")
        return listing

    def check(
        self, state: ReplicaState, listings: tuple[LogListing, LogListing], *, first: bool
    ) -> None:
        """Raise (before the pass writes anything) for a source that is not the replica's
        and for a promoted replica. `listings`: the source's and the replica's."""
        src, dst = listings
        busy = (src.latest if src.latest is not None else -1) > state.last_version
        if not first and (busy or self.refresh_due()):
            stored = read_state(self.replica.store)  # promoted since the last pass?
            state.promoted = stored.promoted if stored is not None else state.promoted
        mine = dst.commits.get(state.last_version)
        finding = check_source(
            state,
            self.source,
            src,
            replica=self.replica,
            replica_size=mine.size if mine is not None else None,
            deep=first or busy,
        )
        if finding is not None:
            raise finding.error()

    def observe(self, listing: LogListing, state: ReplicaState) -> None:
        """Record what this poll saw on the source. The commits it reads (the oldest the
        replica lacks, and the newest) are kept for the catch-up, which needs them too."""
        latest = listing.latest
        state.source_seen_version = latest
        state.source_seen_at_ms = int(self.clock() * 1000)
        if latest is None or latest <= state.last_version:
            state.source_seen_commit_ms = state.last_commit_timestamp
            self.pending_since_ms = None
            return
        for v in {state.last_version + 1, latest} & set(listing.commits):
            raw = self.source.read_raw(v)
            if raw is not None:
                self._raws[v] = raw
        state.source_seen_commit_ms = commit_timestamp(self._raws.get(latest))
        self.pending_since_ms = commit_timestamp(self._raws.get(state.last_version + 1))

    def caught_up(self) -> None:
        self.pending_since_ms = None

    def raw(self, version: int) -> bytes | None:
        """A source commit's bytes: read ahead by observe(), else read now."""
        raw = self._raws.pop(version, None)
        return raw if raw is not None else self.source.read_raw(version)

    def refresh_due(self) -> bool:
        return self.clock() - self.saved_at >= SEEN_REFRESH_SECONDS


def commit_timestamp(raw: bytes | None) -> int | None:
    return timestamp_of(commit_info_of(raw)) if raw is not None else None
