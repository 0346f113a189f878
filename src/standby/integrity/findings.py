"""What verify and safe-point report: one finding per thing that is wrong, never an exception."""

from __future__ import annotations

from dataclasses import dataclass

from standby.delta.log import commit_path


@dataclass(slots=True)  # a damaged large table has one per file: keep each small
class Problem:
    """One finding of verify or safe-point: the path, what kind of wrong, and a sentence."""

    path: str
    # missing | size | content | unreadable | commit_missing | commit_differs |
    # checkpoint_incomplete | last_checkpoint | no_version
    kind: str
    detail: str


def nothing_rebuilds(latest: int) -> Problem:
    return Problem(
        commit_path(latest),
        "no_version",
        "the log rebuilds no version: no whole checkpoint, and the commits from version 0 "
        "are not all there",
    )


def dedupe(problems: list[Problem]) -> list[Problem]:
    """One finding per (path, kind), the first said."""
    seen: dict[tuple[str, str], Problem] = {}
    for p in problems:
        seen.setdefault((p.path, p.kind), p)
    return list(seen.values())
