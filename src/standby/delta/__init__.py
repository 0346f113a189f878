"""Delta protocol knowledge, nothing else: log files, commits, checkpoints, snapshots,
deletion-vector paths, commit timestamps and table features. No storage vendor here:
everything reads and writes through the ObjectStore protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from standby._lazy import lazy_names, submodule_names
from standby.delta.actions import Commit, encode_actions, parse_actions
from standby.delta.log import DeltaLog, LogFile, LogKind, LogListing

if TYPE_CHECKING:
    from standby.delta.snapshot import FileAction, Snapshot, load_snapshot

__all__ = [
    "Commit",
    "DeltaLog",
    "FileAction",
    "LogFile",
    "LogKind",
    "LogListing",
    "Snapshot",
    "encode_actions",
    "load_snapshot",
    "parse_actions",
]
# Snapshots load pyarrow and numpy (0.2 s): `table history` reads commits without them.
lazy_names(
    __name__,
    submodule_names(
        __name__,
        {
            "FileAction": "snapshot",
            "Snapshot": "snapshot",
            "load_snapshot": "snapshot",
        },
    ),
)
