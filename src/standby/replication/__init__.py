"""Replication of Delta tables to the DR site: in log order, valid at every instant."""

from __future__ import annotations

from standby.replication.replicator import Replicator, TableReplication, replicate_table
from standby.replication.state import ReplicaState, read_state

__all__ = ["ReplicaState", "Replicator", "TableReplication", "read_state", "replicate_table"]
