"""A table's state at one version: protocol, metadata and live files, replayed from the log.

Replay starts at the newest complete checkpoint at or before the version (falling back to
older ones if it cannot be read), then applies commits in order; `replay` does it in Arrow
columns. A small log with no checkpoint to start from is replayed here, action by action:
loading Arrow (0.15 s) would cost more than the replay, on every short command.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from standby.delta.actions import Action, parse_actions
from standby.delta.files import FileAction, FileKey, file_key, files_of, is_absolute, object_path
from standby.delta.log import DeltaLog, LogListing, commit_path, reconstructable, usable_checkpoints
from standby.errors import BadInput, ObjectNotFound, VersionNotFound

if TYPE_CHECKING:
    from standby.delta.fileset import FileSet

log = logging.getLogger(__name__)
# Below this many bytes of commits, a Python replay is quicker than loading Arrow.
SMALL_LOG_BYTES = 4 << 20
__all__ = [
    "FileAction",
    "FileKey",
    "Snapshot",
    "file_key",
    "files_of",
    "is_absolute",
    "load_snapshot",
    "object_path",
    "reconstructable",
    "usable_checkpoint",
]


@dataclass
class Snapshot:
    """What a reader sees at `version`."""

    version: int
    protocol: dict[str, Any]
    metadata: dict[str, Any]
    files: Mapping[FileKey, dict[str, Any]] = field(default_factory=dict)
    txns: dict[str, dict[str, Any]] = field(default_factory=dict)
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkpoint_version: int | None = None
    # The live files as Arrow rows: the Arrow replay's, or built from `files` on first use
    # of `live`. None: this snapshot was replayed in Python and nothing asked for columns.
    columns: Any = field(default=None, repr=False)

    @property
    def live(self) -> Any:
        """The live files as Arrow rows (FILE_SCHEMA); built from `files` when replayed here."""
        if self.columns is None:
            from standby.delta.replay import add_columns

            self.columns = add_columns(self.files.values())
        return self.columns

    @property
    def size_bytes(self) -> int:
        if self.columns is None:
            return sum(int(a.get("size") or 0) for a in self.files.values())
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        return int(pc.sum(self.columns.column("size")).as_py() or 0)

    def referenced(self) -> FileSet:
        """Every data and deletion-vector file the live adds need, as columns."""
        from standby.delta.fileset import referenced

        return referenced(self.live)

    def needed(self) -> list[FileAction] | FileSet:
        """Every file the live adds need: a list for a small table, columns for a large one."""
        return files_of(self.files.values()) if self.columns is None else self.referenced()

    def referenced_files(self) -> list[FileAction]:
        """Every data and deletion-vector file the live adds need, deduplicated."""
        needed = self.needed()
        return needed if isinstance(needed, list) else needed.actions()

    def apply_state(self, actions: list[Action]) -> None:
        """Protocol, metadata, app transactions and domain metadata (not files)."""
        for action in actions:
            if "metaData" in action:
                self.metadata = action["metaData"]
            elif "protocol" in action:
                self.protocol = action["protocol"]
            elif "txn" in action:
                self.txns[action["txn"]["appId"]] = action["txn"]
            elif "domainMetadata" in action:
                d = action["domainMetadata"]
                if d.get("removed"):
                    self.domains.pop(d["domain"], None)
                else:
                    self.domains[d["domain"]] = d


def load_snapshot(
    log_: DeltaLog, version: int | None = None, *, listing: LogListing | None = None
) -> Snapshot:
    """The snapshot at `version` (latest when None). Raises TableNotFound, VersionNotFound."""
    listing = listing or log_.require()
    span = reconstructable(listing)
    latest = listing.latest
    target = latest if version is None else version
    if span is None or target is None or not span[0] <= target <= span[1]:
        have = f"versions {span[0]} to {span[1]}" if span else "no reconstructable version"
        raise VersionNotFound(
            f"Version {target} of {log_.url} does not exist or cannot be reconstructed "
            f"(the log has {have}).",
            hint="Run `standby table history` to see the versions that exist.",
        )
    checkpoints = listing.complete_checkpoints()
    usable = usable_checkpoints(listing, target)
    if usable:
        from standby.delta.replay import replay  # checkpoints are parquet: Arrow reads them

        for cp in usable:
            try:
                return replay(log_, target, cp, checkpoints[cp])
            except (ObjectNotFound, BadInput) as e:
                log.warning(
                    "checkpoint %d of %s unusable (%s); trying an older one", cp, log_.url, e
                )
    if not all(v in listing.commits for v in range(0, target + 1)):
        raise VersionNotFound(
            f"Version {target} of {log_.url} cannot be reconstructed: commits before it were "
            "cleaned up and no usable checkpoint precedes it.",
            hint="Pick a later version (see `standby table history`).",
        )
    if sum(listing.commits[v].size for v in range(target + 1)) <= SMALL_LOG_BYTES:
        return replay_actions(log_, target)
    from standby.delta.replay import replay as replay_columns

    return replay_columns(log_, target, None, [])


def usable_checkpoint(listing: LogListing, version: int) -> int | None:
    """The newest complete checkpoint a replay to `version` can start from, by name only."""
    return next(iter(usable_checkpoints(listing, version)), None)


def replay_actions(log_: DeltaLog, target: int) -> Snapshot:
    """The snapshot at `target` from commits 0 to `target`, action by action, in Python."""
    snap = Snapshot(version=target, protocol={}, metadata={})
    live: dict[FileKey, dict[str, Any]] = {}
    for v in range(target + 1):
        path = commit_path(v)
        actions = parse_actions(log_.store.get(path), where=path)
        snap.apply_state(actions)
        for action in actions:
            if "add" in action:  # a later add of the same key replaces it, in log order
                key = file_key(action["add"])
                live.pop(key, None)
                live[key] = action["add"]
            elif "remove" in action:
                live.pop(file_key(action["remove"]), None)
    require_table(snap.protocol, snap.metadata, url=log_.url, version=target)
    snap.files = live
    return snap


def require_table(
    protocol: dict[str, Any], metadata: dict[str, Any], *, url: str, version: int
) -> None:
    """BadInput unless a replay found both a protocol and a metaData action."""
    if not protocol or not metadata:
        raise BadInput(
            f"The log of {url} at version {version} has no "
            f"{'protocol' if not protocol else 'metaData'} action: it is not a valid table.",
            path=url + "/" + commit_path(version),
        )
