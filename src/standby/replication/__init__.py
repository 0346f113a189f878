"""Replication of Delta tables to the DR site: in log order, valid at every instant.

Each name loads its module on first use, so `standby.replication.result` (the `--history`
choices) is read by `standby replicate --help` without the Delta stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from standby._lazy import lazy_names, submodule_names

if TYPE_CHECKING:
    from standby.replication.replicator import Replicator
    from standby.replication.result import History, TableReplication
    from standby.replication.state import ReplicaState, read_state
    from standby.replication.table import replicate_table

__all__ = [
    "History",
    "ReplicaState",
    "Replicator",
    "TableReplication",
    "read_state",
    "replicate_table",
]
lazy_names(
    __name__,
    submodule_names(
        __name__,
        {
            "History": "result",
            "ReplicaState": "state",
            "Replicator": "replicator",
            "TableReplication": "result",
            "read_state": "state",
            "replicate_table": "table",
        },
    ),
)
