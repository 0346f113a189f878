"""Table operations a DR team runs by hand: history, restore, clone (DR guide section 3.1).

Each name loads its module on first use: `history` reads commits without pyarrow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from standby._lazy import lazy_names, submodule_names

if TYPE_CHECKING:
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
lazy_names(
    __name__,
    submodule_names(
        __name__,
        {
            "CloneResult": "clone",
            "clone": "clone",
            "HistoryEntry": "history",
            "history": "history",
            "resolve_version": "history",
            "RestoreResult": "restore",
            "restore": "restore",
        },
    ),
)
