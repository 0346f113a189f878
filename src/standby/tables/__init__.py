"""Table operations a DR team runs by hand: history, restore, clone (DR guide section 3.1)."""

from __future__ import annotations

from standby.tables.clone import CloneResult, clone
from standby.tables.history import HistoryEntry, history, resolve_version
from standby.tables.restore import RestoreResult, restore

__all__ = [
    "CloneResult",
    "HistoryEntry",
    "RestoreResult",
    "clone",
    "history",
    "resolve_version",
    "restore",
]
