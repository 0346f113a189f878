"""What verify and safe-point report: one finding per thing that is wrong, never an exception."""

from __future__ import annotations

from dataclasses import dataclass

from standby.delta.log import commit_path
from standby.delta.presence import is_missing
from standby.delta.snapshot import FileAction, object_path


@dataclass(slots=True)  # a damaged large table has one per file: keep each small
class Problem:
    """One finding of verify or safe-point: the path, what kind of wrong, and a sentence."""

    path: str
    # missing | size | content | unreadable | commit_missing | commit_differs |
    # checkpoint_incomplete | last_checkpoint | no_version
    kind: str
    detail: str


def file_problem(f: FileAction, present: dict[str, int], *, why: str) -> Problem | None:
    """The finding for a file the log needs, if the copy lacks it or holds it at a wrong size."""
    size = present.get(object_path(f.path))
    if size is None:
        return Problem(f.path, "missing", why)
    if is_missing(f, size):
        return Problem(f.path, "size", f"{size} bytes, the log says {f.size}")
    return None


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
