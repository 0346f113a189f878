"""Commits: newline-delimited JSON actions, parsed and encoded without changing meaning."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from standby.errors import BadInput

Action = dict[str, Any]
FILE_ACTIONS = ("add", "remove", "cdc")


@dataclass(frozen=True)
class Commit:
    """One `_delta_log/<version>.json`: its actions in file order, and its raw bytes."""

    version: int
    actions: list[Action]
    raw: bytes = field(default=b"", repr=False)

    @property
    def info(self) -> dict[str, Any]:
        """The commitInfo action's content, or {} (old writers wrote none)."""
        for action in self.actions:
            if "commitInfo" in action:
                return action["commitInfo"] or {}
        return {}

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The bodies of every action of one kind (add, remove, metaData, protocol, ...)."""
        return [a[kind] for a in self.actions if kind in a and a[kind] is not None]


def parse_actions(data: bytes, *, where: str = "commit") -> list[Action]:
    """Parse newline-delimited JSON actions; a torn or invalid line is a BadInput."""
    actions: list[Action] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            action = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadInput(f"{where} line {number} is not valid JSON: {e.msg}.") from e
        if not isinstance(action, dict):
            raise BadInput(f"{where} line {number} is not a JSON object.")
        actions.append(action)
    return actions


def encode_actions(actions: Iterable[Action]) -> bytes:
    """Actions as a commit file: one compact JSON object per line, newline-terminated."""
    return b"".join(
        json.dumps(a, separators=(",", ":"), ensure_ascii=False).encode() + b"\n" for a in actions
    )
