"""What a step's context reads from and writes to the running operation's journal: facts
earlier steps recorded, and notes of the running step saved at once (so that a rerun
after a crash mid-step finds them). Shared by every kind of operation's context."""

from __future__ import annotations

from typing import Any

from standby.operations.journal import Journal
from standby.operations.runner import Scope


class JournalFacts:
    """Mixed into a context that has `journal` and `scope` (see runner.Journaled)."""

    journal: Journal | None
    scope: Scope | None

    def fact(self, step: str, key: str, default: Any = None) -> Any:
        """What step `step` recorded under `key` in this operation (default before it ran)."""
        if self.journal is None:
            return default
        try:
            return self.journal.changed(step).get(key, default)
        except KeyError:
            return default

    def note(self, key: str, value: Any) -> None:
        """Record `value` in the running step's journal entry now (saved before going on)."""
        if self.scope is not None:
            self.scope.put(key, value)

    def noted(self, key: str) -> Any:
        """What an earlier attempt of the running step noted (None on a first attempt)."""
        return self.scope.get(key) if self.scope is not None else None
