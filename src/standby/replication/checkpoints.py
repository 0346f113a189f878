"""Publishing checkpoints on the replica, in the order readers need (invariant 3):
after their commit; sidecars and parts before the file that names them; `_last_checkpoint`
last, and only when it points at a checkpoint the replica holds.
"""

from __future__ import annotations

import json

from standby.delta.log import LAST_CHECKPOINT, LogFile, LogKind, LogListing
from standby.errors import ObjectNotFound
from standby.storage import ObjectStore


def publish_checkpoint(files: list[LogFile], source: ObjectStore, target: ObjectStore) -> int:
    """Copy one complete checkpoint (with its sidecars); returns the number of objects copied."""
    from standby.delta.checkpoint import sidecar_paths  # parquet footers: Arrow, when needed

    ordered = [*sidecar_paths(source, files)]
    ordered += [f.path for f in files if f.kind is LogKind.CHECKPOINT_PART]
    ordered += [f.path for f in files if f.kind in (LogKind.CHECKPOINT, LogKind.CHECKPOINT_V2)]
    copied = 0
    for path in ordered:
        if not _same_size(source, target, path):
            target.copy_from(source, path, path)
            copied += 1
    return copied


def publish_last_checkpoint(
    source: ObjectStore, target: ObjectStore, *, replica_latest: int, target_has: set[int]
) -> bool:
    """Copy the source's `_last_checkpoint` if it names a checkpoint the replica holds.

    True when the replica's hint is the source's after this (copied now, or already so).
    """
    try:
        raw = source.get(LAST_CHECKPOINT)
        version = int(json.loads(raw)["version"])
    except (ObjectNotFound, ValueError, KeyError, TypeError):
        return False  # absent or unreadable: a hint, and readers do without it
    if version > replica_latest or version not in target_has:
        return False
    try:
        if target.get(LAST_CHECKPOINT) == raw:
            return True
    except ObjectNotFound:
        pass
    target.put(LAST_CHECKPOINT, raw, mode="overwrite")
    return True


def publish_compactions(
    listing: LogListing,
    source: ObjectStore,
    target: ObjectStore,
    *,
    complete_from: int,
    replica_latest: int,
    done: set[str],
) -> None:
    """Copy compacted log files whose every commit the replica holds: a reader may read one
    in place of its commits, so it goes after the last of them, like a checkpoint."""
    for f in listing.compactions:
        if f.path in done or f.version is None or f.end is None:
            continue
        if complete_from <= f.version and f.end <= replica_latest:
            if not _same_size(source, target, f.path):
                target.copy_from(source, f.path, f.path)
            done.add(f.path)


class Checkpoints:
    """The checkpoints one table's replica got from us, remembered across passes."""

    def __init__(self) -> None:
        self.published: set[int] = set()
        self._hint_synced_at = -1  # len(published) when _last_checkpoint last matched
        self.compactions: set[str] = set()  # compacted log files the replica holds

    def late(
        self,
        listings: tuple[LogListing, LogListing],
        source: ObjectStore,
        target: ObjectStore,
        *,
        low: int,
        high: int,
    ) -> None:
        """Checkpoints of versions low..high the source wrote after we published their
        commit, then the `_last_checkpoint` hint; `listings` are the source's and the
        replica's."""
        have = set(listings[1].complete_checkpoints()) | self.published
        for version, files in sorted(listings[0].complete_checkpoints().items()):
            if low <= version <= high and version not in have:
                publish_checkpoint(files, source, target)
                have.add(version)
        self.published |= have
        self.compactions.update(f.path for f in listings[1].compactions)
        publish_compactions(
            listings[0],
            source,
            target,
            complete_from=low,
            replica_latest=high,
            done=self.compactions,
        )
        # The hint changes only with a new checkpoint: a quiet poll does not read it, nor
        # one over a source that has none (the listing shows it).
        hinted = any(f.kind is LogKind.LAST_CHECKPOINT for f in listings[0].others)
        if hinted and self._hint_synced_at != len(self.published):
            synced = publish_last_checkpoint(
                source, target, replica_latest=high, target_has=self.published
            )
            self._hint_synced_at = len(self.published) if synced else -1


def _same_size(source: ObjectStore, target: ObjectStore, path: str) -> bool:
    try:
        return target.head(path).size == source.head(path).size
    except ObjectNotFound:
        return False
