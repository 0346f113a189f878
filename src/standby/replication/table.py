"""One replication pass of one table, from URIs or opened stores: what `standby replicate`
and the library's `standby.replicate` run."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from standby.engines import CopyExecutor, Progress
from standby.replication.replicator import Replicator
from standby.replication.result import History, TableReplication
from standby.storage import ObjectStore, as_store_pair


def replicate_table(
    source: str | ObjectStore,
    target: str | ObjectStore,
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
    """One pass: make `target` a replica of `source` at the source's latest version.

    The replica is a valid table at every instant: commits go in version order, each with
    put-if-absent of the source's bytes and after every file it references; a crash leaves a
    valid replica that the next pass carries on. A dry run is the same pass over stores that
    record writes instead of making them (DryRunStore): exactly what a real pass would copy
    and publish now.

    Args:
        source, target: URIs (opened with `source_options`, `target_options`) or stores.
        history: Where a new replica starts: "checkpoint" (the latest) or "all" commits.
        executor, progress: Where copy work runs (threads by default); told of bytes copied.
        epoch: The control objects' epoch the pass runs at (0 outside standby.yml).
        stop: Once set, the pass copies and publishes nothing more and returns what it did
            (`interrupted`): the replica is valid at its `to_version`; a rerun carries on.

    Raises:
        OverlappingLocations, TableNotFound, UnsupportedFeature: bad input; nothing written.
        Diverged, WrongSource: the replica is not this source's; nothing overwritten.
        Unreachable: A storage cannot be reached.
    """
    src, dst = as_store_pair(
        source,
        target,
        source_options=source_options,
        target_options=target_options,
        dry_run=dry_run,
    )
    result = Replicator(
        src,
        dst,
        history=history,
        executor=executor,
        progress=progress,
        epoch=epoch,
        sweep=not dry_run,
        stop=stop,
    ).run()
    result.dry_run = dry_run
    return result
