"""Replaying a copy's log version by version, to learn which versions it can rebuild and which
of those have every live file present at its size.

A version can be rebuilt when its commit is there and the version before it can be (commit
0 needs nothing before it), or when a whole checkpoint of it is there. So one pass from the
oldest version to the newest covers every base a reader could start from: a chain of
commits continues as long as it can and restarts at a whole checkpoint after a gap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from standby.delta.actions import Action, Commit
from standby.delta.checkpoint import read_checkpoint
from standby.delta.log import DeltaLog, commit_path
from standby.delta.snapshot import FileAction, FileKey, file_key, files_of
from standby.errors import BadInput, ObjectNotFound
from standby.integrity.chain import Chain, Checkpoint
from standby.integrity.findings import Problem, file_problem

log = logging.getLogger(__name__)


@dataclass
class Replay:
    """What one pass over the log found."""

    rebuildable: list[int] = field(default_factory=list)
    whole: list[int] = field(default_factory=list)  # rebuildable, every live file present
    holes: list[Problem] = field(default_factory=list)  # what the newest rebuildable one lacks
    referenced: dict[str, FileAction] = field(default_factory=dict)  # by versions >= since
    problems: list[Problem] = field(default_factory=list)  # commits, checkpoints unreadable

    @property
    def newest(self) -> int | None:
        return self.rebuildable[-1] if self.rebuildable else None


class _State:
    """The live adds of one version, and those of them whose files the copy lacks."""

    def __init__(self, present: dict[str, int] | None):
        self.present = present
        self.live: dict[FileKey, dict[str, Any]] = {}
        self.holes: dict[FileKey, list[Problem]] = {}
        self.collected = False  # its live files are in Replay.referenced already

    def apply(self, actions: list[Action], version: int) -> None:
        for action in actions:
            if "add" in action:
                self._add(action["add"], version)
            elif "remove" in action:
                key = file_key(action["remove"])
                self.live.pop(key, None)
                self.holes.pop(key, None)

    def _add(self, add: dict[str, Any], version: int) -> None:
        key = file_key(add)
        self.live[key] = add
        self.holes.pop(key, None)
        if self.present is None:
            return
        why = f"referenced since version {version}, not in the copy"
        found = [file_problem(f, self.present, why=why) for f in files_of([add]) if f.relative]
        missing = [p for p in found if p is not None]
        if missing:
            self.holes[key] = missing


def replay(
    log_: DeltaLog, chain: Chain, present: dict[str, int] | None, *, since: int | None = None
) -> Replay:
    """One pass over every version of the log. With `present` (the copy's objects and sizes),
    which rebuildable versions are whole; with `since`, every file the versions from `since`
    on reference: the live files of the first one rebuilt, and what every later commit adds
    (add and cdc files, whether or not its version rebuilds)."""
    out = Replay()
    whole = chain.whole
    state: _State | None = None
    newest: _State | None = None
    for v in range(chain.first, chain.latest + 1):
        collect = since is not None and v >= since
        commit = None
        if v in chain.listing.commits and (state is not None or v == 0 or collect):
            commit = _read(log_, v, out)
        if state is not None and commit is not None:
            state.apply(commit.actions, v)
        elif v == 0 and commit is not None:
            state = _State(present)
            state.apply(commit.actions, v)
        elif v in whole:
            state = _load(log_, whole[v], present, v, out)
        else:
            state = None
        if collect:
            # The files of the version `since` itself are its live ones; its commit's cdc
            # files belong to the change from the version before it.
            _collect(out, state, commit if v > (since or 0) else None)
        if state is not None:
            out.rebuildable.append(v)
            newest = state
            if not state.holes:
                out.whole.append(v)
    if newest is not None:
        out.holes = [p for ps in newest.holes.values() for p in ps]
    return out


def _read(log_: DeltaLog, version: int, out: Replay) -> Commit | None:
    try:
        return log_.read_commit(version)
    except (ObjectNotFound, BadInput) as e:
        out.problems.append(Problem(commit_path(version), "unreadable", str(e)))
        return None


def _load(
    log_: DeltaLog,
    candidates: list[Checkpoint],
    present: dict[str, int] | None,
    v: int,
    out: Replay,
) -> _State | None:
    """The state at a whole checkpoint; the next candidate if one cannot be read."""
    for cp in candidates:
        try:
            actions, _ = read_checkpoint(log_.store, cp.files)
        except (ObjectNotFound, BadInput) as e:
            log.warning("checkpoint of version %d of %s unreadable: %s", v, log_.url, e)
            out.problems.append(Problem(cp.files[0].path, "unreadable", str(e)))
            continue
        state = _State(present)
        state.apply([a for a in actions if "add" in a], v)
        return state
    return None


def _collect(out: Replay, state: _State | None, commit: Commit | None) -> None:
    if state is not None and not state.collected:
        for f in files_of(state.live.values()):
            out.referenced.setdefault(f.path, f)
        state.collected = True
    if commit is not None:
        for f in files_of(commit.of("add")) + files_of(commit.of("cdc"), kind="cdc"):
            out.referenced.setdefault(f.path, f)
