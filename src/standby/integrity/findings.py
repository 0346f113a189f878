"""What verify and safe-point report: one finding per thing that is wrong, never an exception."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
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
    with no_collection():
        for p in problems:
            seen.setdefault((p.path, p.kind), p)
    return list(seen.values())


@contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while findings are made: they hold no cycles,
    and a damaged large table's million of them would set off full collections that rescan
    every one made so far (a third of safe-point's time at 300,000 missing files)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
