"""Files a pass needs that the source no longer has.

A file vacuumed before it was copied is lost to every reader of the old versions that
needed it, ours and the source's alike: the pass goes on, and the replica is complete again
from the source's latest version. A file the latest version itself needs is missing: the
source is damaged, and the pass stops. A dry run sorts its plan the same way, from one
listing of the source, so it never plans to copy what is not there.
"""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from standby.delta import DeltaLog, Snapshot, load_snapshot
from standby.delta.fileset import FileSet
from standby.delta.log import LogListing
from standby.delta.presence import inventory
from standby.replication.files import note_copied
from standby.replication.result import TableReplication
from standby.replication.state import ReplicaState


class PlanStops(Exception):
    """A dry run reached files the real pass would stop at (the source lacks them)."""


class SourceFiles:
    """What the source holds, read at most once per pass."""

    def __init__(self, source: DeltaLog, name: str):
        self.source, self.name = source, name
        self._latest: Snapshot | None = None
        self._listing: dict[str, int] | None = None

    def plan(
        self,
        files: FileSet,
        state: ReplicaState,
        result: TableReplication,
        known: dict[str, int] | None,
    ) -> None:
        """A dry run's copy: the files the source holds are to copy; those it lacks are
        vacuumed, or missing (then the plan stops where the real pass would)."""
        if self._listing is None:
            self._listing = inventory(self.source.store)
        absent = files.missing_mask(self._listing)
        if not pc.any(absent).as_py():
            gone, there = None, files
        else:
            everything = pc.all(absent).as_py()
            gone = files if everything else files.filter(absent)
            there = (
                FileSet(files.table.slice(0, 0)) if everything else files.filter(pc.invert(absent))
            )
        note_copied(known, there)
        result.files_copied += len(there)
        result.bytes_copied += there.total_size
        if gone is None:
            return
        live = pc.is_in(gone.keys(), value_set=self._live_keys())
        result.missing_files += gone.filter(live).paths
        result.files_missing = len(result.missing_files)
        if result.files_missing:
            raise PlanStops()
        result.vacuumed_files += len(gone)
        state.complete_from = max(state.complete_from, self._latest_version())

    def latest(self, listing: LogListing | None = None) -> Snapshot:
        """The source's latest version, read once a pass."""
        if self._latest is None:
            self._latest = load_snapshot(self.source, listing=listing)
        return self._latest

    def _live_keys(self) -> pa.Array:
        """Storage keys of the files the source's latest version needs."""
        return self.latest().referenced().keys()

    def _latest_version(self) -> int:
        return self.latest().version
