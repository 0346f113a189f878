"""One replication pass of one table: plan -> copy -> publish, in log order.

For each batch of commits: copy every file they reference, then publish each commit with
put-if-absent of the source's exact bytes, then its checkpoint. A reader of the replica
therefore never sees a commit before its files (invariant 1), never a gap (2), never a
checkpoint before its commit (3). A crash anywhere leaves a valid table; the next pass
compares what lies beyond the recorded state and carries on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from standby.delta import Commit, DeltaLog, load_snapshot
from standby.delta.features import check_features
from standby.delta.files import FileAction
from standby.delta.log import LogListing, commit_path
from standby.delta.presence import inventory
from standby.delta.snapshot import SMALL_LOG_BYTES, reconstructable, usable_checkpoint
from standby.engines import CopyExecutor, Progress, default_executor
from standby.errors import (
    BadInput,
    Diverged,
    Interrupted,
    ObjectExists,
    Refused,
    StandbyError,
    TableNotFound,
    WrongSource,
)
from standby.replication.checkpoints import Checkpoints, publish_checkpoint
from standby.replication.checksums import Checksums
from standby.replication.files import (
    commits_files,
    copy_files,
    lacking,
    note_copied,
    split_absent,
    vacuumed_versions_end,
)
from standby.replication.identity import check_tail, digest
from standby.replication.result import History, TableReplication
from standby.replication.state import ReplicaState, read_state, write_state
from standby.replication.sweep import sweep_temporaries
from standby.replication.watch import SourceWatch, commit_timestamp
from standby.storage import ObjectStore, redact

log = logging.getLogger(__name__)
BATCH_COMMITS, BATCH_BYTES = 64, 16 << 20  # commits read and held at once, at most
LATE_CHECKPOINT_WINDOW = 20
READERS = 16
MAX_RELISTS = 8  # catch-ups after a vacuum raced a pass, before giving up on this pass
Known = dict[str, int] | None  # the replica's listing, kept up to date, or None: head each
SWEEP_EVERY_SECONDS = 600.0  # passes (one-shot ones too) sweep temporaries this often


class Replicator:
    """Replicates one source table into one target location."""

    def __init__(
        self,
        source: ObjectStore,
        target: ObjectStore,
        *,
        history: History = "checkpoint",
        executor: CopyExecutor | None = None,
        progress: Progress | None = None,
        epoch: int = 0,
        clock: Callable[[], float] = time.time,
        sweep: bool = True,
        stop: threading.Event | None = None,
    ):
        self.src, self.dst = source, target
        self.stop = stop  # once set, no further copy starts and no further commit is published
        self.sweep = sweep  # off for a dry run: the sweep deletes by path, past the store
        self.src_log, self.dst_log = DeltaLog(source), DeltaLog(target)
        self.history = history
        self.executor = executor or default_executor()
        self.progress = progress
        self.epoch = epoch
        self.clock = clock
        self.name = redact(source.url)
        self.table_id: str | None = None
        self.state: ReplicaState | None = None  # kept between passes when following
        self.checkpoints = Checkpoints()
        self.checksums = Checksums()
        self.watch = SourceWatch(self.src_log, self.dst_log, clock=clock)
        self._swept_at = float("-inf")

    def run(self) -> TableReplication:
        started = time.monotonic()
        first = self.state is None
        state = self.state if self.state is not None else read_state(self.dst)
        if first and state is not None:  # what earlier runs did, and when
            self.watch.saved_at = (state.source_seen_at_ms or float("-inf")) / 1000
            self._swept_at = (state.swept_at_ms or float("-inf")) / 1000
        hint = state.last_version if state else -1
        # A little behind the hint, so checkpoints written after their commit are seen too.
        low = max(0, hint + 1 - LATE_CHECKPOINT_WINDOW) if state else 0
        src_listing = self.watch.listing(state, low)
        dst_listing = self.dst_log.list(from_version=low)
        if state is not None:
            self.watch.check(state, (src_listing, dst_listing), first=first)
        replica_latest = check_tail(self.src_log, self.dst_log, hint, dst_listing)
        if replica_latest is None and state is not None:
            replica_latest = state.last_version
        self.table_id = state.source_table_id if state else None
        result = TableReplication(self.name, redact(self.dst.url), None, replica_latest, 0, 0, 0, 0)
        result.complete_from = state.complete_from if state else None
        try:
            if replica_latest is None:
                state = self._seed(src_listing, result)
                self.table_id = state.source_table_id
            elif state is None:  # a replica whose state file was lost: its log is the truth
                state = self._adopt(replica_latest)
            swept = self.clock() - self._swept_at >= SWEEP_EVERY_SECONDS
            if swept:
                if self.sweep:
                    sweep_temporaries(self.dst.url, clock=self.clock)
                self._swept_at = self.clock()
                state.swept_at_ms = int(self._swept_at * 1000)
            self.watch.observe(src_listing, state)
            try:
                src_listing = self._catch_up_all(src_listing, state, result)
            except (Refused, BadInput):
                raise
            except StandbyError:
                if replica_latest is not None:  # what this poll saw survives a failed pass
                    self._save_quietly(state)
                raise
            self._late_log_files(src_listing, dst_listing, state)
            if result.commits_published or swept or self.watch.refresh_due():
                if swept or not result.commits_published:
                    self._save(state)  # what this poll saw (a pass that published saved it)
                self.watch.saved_at = self.clock()
            self.state = state
            return self._finish(result, state, src_listing, started)
        except Interrupted:
            return self._stopped(result, started)

    def _stopped(self, result: TableReplication, started: float) -> TableReplication:
        """The result of a pass that `stop` ended: the replica is where its state says."""
        result.interrupted = True
        if self.state is not None:
            result.to_version = self.state.last_version
            result.complete_from = self.state.complete_from
        result.seconds = round(time.monotonic() - started, 3)
        return result

    def _check_stop(self, state: ReplicaState | None) -> None:
        """Once `stop` is set: record what is published and end the pass (Interrupted)."""
        if self.stop is None or not self.stop.is_set():
            return
        if state is not None and state.last_version >= 0:
            self._save(state)
            self.state = state
        raise Interrupted(f"Replication of {self.name} was stopped.")

    def _finish(
        self, result: TableReplication, state: ReplicaState, src: LogListing, started: float
    ) -> TableReplication:
        if state.last_version >= (src.latest if src.latest is not None else -1):
            self.watch.caught_up()
        result.source_version = src.latest
        result.to_version = state.last_version
        result.complete_from = state.complete_from
        result.seconds = round(time.monotonic() - started, 3)
        return result

    def _catch_up_all(
        self, src_listing: LogListing, state: ReplicaState, result: TableReplication
    ) -> LogListing:
        """Catch up; after files the source vacuumed before we copied them, the versions
        that needed them are lost here as at the source: do not stop at one of them, carry
        on to the version from which the source is whole again."""
        self._catch_up(src_listing, state, result)
        for _ in range(MAX_RELISTS):
            if state.last_version >= state.complete_from:
                break
            src_listing = self.src_log.list(from_version=state.last_version + 1)
            self._catch_up(src_listing, state, result)
        return src_listing

    def _save_quietly(self, state: ReplicaState) -> None:
        try:
            self._save(state)
        except StandbyError as e:  # the pass's own error is the one to report
            log.warning("could not record the replica state of %s: %s", self.name, e)

    def _adopt(self, replica_latest: int) -> ReplicaState:
        span = reconstructable(self.dst_log.list())
        snapshot = load_snapshot(self.dst_log, replica_latest)
        raw = self.dst_log.read_raw(replica_latest)
        state = ReplicaState(
            self.name,
            snapshot.metadata.get("id", ""),
            span[0] if span else replica_latest,
            replica_latest,
            commit_timestamp(raw),
            self.epoch,
            self.history,
            last_commit_sha256=digest(raw) if raw is not None else None,
        )
        self._save(state)
        return state

    def _late_log_files(self, src: LogListing, dst: LogListing, state: ReplicaState) -> None:
        """Checkpoints and crcs the source wrote after we published their commit."""
        span = {"low": state.complete_from, "high": state.last_version}
        self.checkpoints.late((src, dst), self.src, self.dst, **span)
        self.checksums.late((src, dst), self.src, self.dst, **span)

    # -- a new replica --------------------------------------------------------------------

    def _seed(self, listing: LogListing, result: TableReplication) -> ReplicaState:
        """Start a replica: from the latest checkpoint (history=checkpoint) or from the
        oldest version the source log can rebuild (history=all)."""
        span = reconstructable(listing)
        if span is None:
            raise TableNotFound(f"The log of {self.name} cannot rebuild any version.")
        if self.history == "checkpoint":
            base = usable_checkpoint(listing, span[1])  # by name: no replay of a large log
            snapshot = load_snapshot(
                self.src_log, span[0] if base is None else base, listing=listing
            )
            if snapshot.checkpoint_version != base:  # unreadable: an older one serves
                base = snapshot.checkpoint_version
        else:
            base = None if span[0] == 0 else span[0]
            snapshot = load_snapshot(self.src_log, base if base is not None else 0, listing=listing)
        self._refuse_features(snapshot.protocol)
        state = ReplicaState(
            source=self.name,
            source_table_id=snapshot.metadata.get("id", ""),
            complete_from=base if base is not None else 0,
            last_version=-1,
            last_commit_timestamp=None,
            epoch=self.epoch,
            history=self.history,
        )
        if base is None:
            return state  # commit 0 onwards, each with its own files
        base_snapshot = (
            snapshot
            if snapshot.version == base
            else load_snapshot(self.src_log, base, listing=listing)
        )
        from standby.replication import columns  # a checkpoint's files: Arrow read them

        columns.refuse_external_columns(base_snapshot.live, table=self.name, version=base)
        known = inventory(self.dst)
        files = base_snapshot.referenced()
        self._copy(files.filter(files.missing_mask(known)).actions(), state, result, known)
        self._check_stop(None)
        # The seed's checkpoint goes first: on an empty replica, commit `base` alone is
        # no table a reader can open (its earlier commits are not there), while the
        # checkpoint alone is the whole table at `base`, every file of it present.
        publish_checkpoint(listing.complete_checkpoints()[base], self.src, self.dst)
        self.checkpoints.published.add(base)
        if base in listing.commits:
            raw = self.watch.raw(base)
            assert raw is not None
            self._publish(base, raw, listing, state, result)
        else:
            state.last_version = base
        self._save(state)
        return state

    def _save(self, state: ReplicaState) -> None:
        write_state(self.dst, state)

    # -- every later commit -----------------------------------------------------------------

    def _catch_up(self, listing: LogListing, state: ReplicaState, result: TableReplication) -> None:
        latest = listing.latest
        if latest is None or latest <= state.last_version:
            return
        versions = list(range(state.last_version + 1, latest + 1))
        gone = [v for v in versions if v not in listing.commits]
        if gone:
            raise Refused(
                f"The source {self.name} no longer has version {gone[0]}, which the replica "
                f"needs next (it is at version {state.last_version}): the source's log "
                "retention removed it before it was replicated.",
                hint="Replicate into a new, empty location to re-seed from the latest checkpoint.",
            )
        # A replica with no version yet is checked with one listing, not a head per file:
        # a first copy of a thousand files costs one request where it cost a thousand.
        known = inventory(self.dst) if state.last_version < 0 else None
        with ThreadPoolExecutor(READERS) as readers:
            for batch in listing.batches(versions, commits=BATCH_COMMITS, size=BATCH_BYTES):
                self._check_stop(state)
                raws = [r or b"" for r in readers.map(self.watch.raw, batch)]
                todo = self._lacking(list(zip(batch, raws, strict=True)), known, readers)
                self._copy(todo, state, result, known)
                for v, raw in zip(batch, raws, strict=True):
                    self._publish(v, raw, listing, state, result)
                self._save(state)

    def _lacking(
        self, commits: list[tuple[int, bytes]], known: Known, readers: ThreadPoolExecutor
    ) -> list[FileAction]:
        """What the replica lacks of the files these commits reference: planned in Python
        for a few small commits (Arrow is not worth loading), in columns for many."""
        if sum(len(raw) for _, raw in commits) <= SMALL_LOG_BYTES:
            files = commits_files(commits, table=self.name, check=self._check_commit)
            return lacking(files, self.dst, known=known, readers=readers)
        from standby.replication import columns

        many = columns.commits_fileset(commits, table=self.name, check=self._check_commit)
        return columns.lacking_columns(many, self.dst, known, readers).actions()

    def _check_commit(self, commit: Commit) -> None:
        """Refuse a commit that needs an unsupported feature or belongs to another table."""
        for p in commit.of("protocol"):
            self._refuse_features(p)
        for m in commit.of("metaData"):
            if m.get("id") and self.table_id and m["id"] != self.table_id:
                raise WrongSource(
                    f"The source {self.name} is a different table now (table id {m['id']}; "
                    f"the replica belongs to table {self.table_id}). Nothing was written.",
                    hint="Replicate the new table into a new location.",
                )

    def _copy(
        self, files: list[FileAction], state: ReplicaState, result: TableReplication, known: Known
    ) -> None:
        files, gone = split_absent(files, self.src)
        if gone:  # vacuumed, or missing: known before any copy starts
            self._accept_vacuumed(gone, state, result)
        if not len(files):
            return
        note_copied(known, files)
        outcome = copy_files(files, self.src, self.dst, self.executor, self.progress, self.stop)
        result.files_copied += outcome.files
        result.bytes_copied += outcome.bytes
        if outcome.stopped:
            self._check_stop(state)
        if outcome.vacuumed:
            self._accept_vacuumed(outcome.vacuumed, state, result)

    def _accept_vacuumed(
        self, gone: list[str], state: ReplicaState, result: TableReplication
    ) -> None:
        whole_from = vacuumed_versions_end(self.src_log, gone, table=self.name)
        result.vacuumed_files += len(gone)
        state.complete_from = max(state.complete_from, whole_from)

    def _publish(
        self,
        version: int,
        raw: bytes,
        listing: LogListing,
        state: ReplicaState,
        result: TableReplication,
    ) -> None:
        """Publish one commit with put-if-absent, then its checkpoint."""
        self._check_stop(state)
        try:
            self.dst.put(commit_path(version), raw, mode="create")
        except ObjectExists:
            if self.dst.get(commit_path(version)) != raw:
                raise Diverged(
                    f"The replica {redact(self.dst.url)} has diverged: its version {version} "
                    "was written by someone else while replicating. Nothing was overwritten.",
                ) from None
        result.commits_published += 1
        result.from_version = version if result.from_version is None else result.from_version
        state.last_version = version
        state.last_commit_timestamp = commit_timestamp(raw)
        state.last_commit_sha256 = digest(raw)
        checkpoints = listing.complete_checkpoints()
        if version in checkpoints:
            publish_checkpoint(checkpoints[version], self.src, self.dst)
            self.checkpoints.published.add(version)
        self.checksums.after_commit(version, listing, self.src, self.dst)

    def _refuse_features(self, protocol: dict[str, Any]) -> None:
        for warning in check_features(protocol, operation="replicate", table=self.name):
            log.warning(warning)
