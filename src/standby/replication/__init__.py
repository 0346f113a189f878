"""Replication of Delta tables to the DR site: in log order, valid at every instant."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from standby.engines import CopyExecutor, Progress
from standby.replication.replicator import Replicator
from standby.replication.result import History, TableReplication
from standby.replication.state import ReplicaState, read_state
from standby.storage import open_store
from standby.storage.overlap import refuse_overlap

__all__ = [
    "History",
    "ReplicaState",
    "Replicator",
    "TableReplication",
    "read_state",
    "replicate_table",
]


def replicate_table(
    source: str,
    target: str,
    *,
    history: History = "checkpoint",
    executor: CopyExecutor | None = None,
    progress: Progress | None = None,
    source_options: Mapping[str, str] | None = None,
    target_options: Mapping[str, str] | None = None,
    epoch: int = 0,
    dry_run: bool = False,
    stop: threading.Event | None = None,
) -> TableReplication:
    """One pass: make `target` a replica of `source` at the source's latest version. Once
    `stop` is set, the pass copies and publishes nothing more and returns what it did
    (`interrupted`): the replica is valid at its `to_version`, and a rerun carries on.

    A dry run is the same pass over stores that record writes instead of making them
    (DryRunStore): it plans exactly what a real pass would copy and publish now.
    """
    refuse_overlap(source, target, source_options=source_options, target_options=target_options)
    result = Replicator(
        open_store(source, options=source_options, dry_run=dry_run),
        open_store(target, options=target_options, dry_run=dry_run),
        history=history,
        executor=executor,
        progress=progress,
        epoch=epoch,
        sweep=not dry_run,
        stop=stop,
    ).run()
    result.dry_run = dry_run
    return result
