"""Replaying a copy's log version by version, to learn which versions it can rebuild and which
of those have every live file present at its size.

A version can be rebuilt when its commit is there and the version before it can be (commit
0 needs nothing before it), or when a whole checkpoint of it is there. So one pass from the
oldest version to the newest covers every base a reader could start from: a chain of
commits continues as long as it can and restarts at a whole checkpoint after a gap.

File actions stay Arrow columns (a log of 300,000 adds is never 300,000 dicts): each run of
versions rebuilt from one base is a segment of actions tagged with their version, and an
add whose file the copy lacks opens a hole that the next action on its key closes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from standby.delta.checkpoint import checkpoint_content
from standby.delta.columnar import parse_json_log
from standby.delta.fileset import FileSet, referenced
from standby.delta.log import DeltaLog, commit_path
from standby.delta.replay import live_files
from standby.errors import BadInput, ObjectNotFound
from standby.integrity.chain import Chain, Checkpoint
from standby.integrity.findings import Problem
from standby.integrity.holes import hole_problems, open_holes

log = logging.getLogger(__name__)


@dataclass
class Replay:
    """What one pass over the log found."""

    rebuildable: list[int] = field(default_factory=list)
    whole: list[int] = field(default_factory=list)  # rebuildable, every live file present
    holes: list[Problem] = field(default_factory=list)  # what the newest rebuildable one lacks
    files: FileSet = field(default_factory=lambda: FileSet.union([]))  # by versions >= since
    problems: list[Problem] = field(default_factory=list)  # commits, checkpoints unreadable

    @property
    def newest(self) -> int | None:
        return self.rebuildable[-1] if self.rebuildable else None


class _Segment:
    """The versions rebuilt from one base: their add and remove actions, version-tagged."""

    def __init__(self) -> None:
        self.events: list[pa.Table] = []
        self.versions: list[int] = []
        self.collected = False  # its live files are in the referenced set already

    def apply(self, files: pa.Table, version: int) -> None:
        kept = files.filter(pc.not_equal(files.column("action"), "cdc")).select(_COLUMNS)
        self.events.append(kept.append_column("version", pa.array(np.full(len(kept), version))))

    def live(self) -> pa.Table:
        return live_files(self.events)


_COLUMNS = ["action", "path", "size", "dv_type", "dv_path", "dv_offset", "dv_size"]


def replay(
    log_: DeltaLog, chain: Chain, present: dict[str, int] | None, *, since: int | None = None
) -> Replay:
    """One pass over every version of the log. With `present` (the copy's objects and sizes),
    which rebuildable versions are whole; with `since`, every file the versions from `since`
    on reference: the live files of the first one rebuilt, and what every later commit adds
    (add and cdc files, whether or not its version rebuilds)."""
    out = Replay()
    whole = chain.whole
    seg: _Segment | None = None
    sets: list[FileSet] = []
    for v in range(chain.first, chain.latest + 1):
        collect = since is not None and v >= since
        files = None
        if v in chain.listing.commits and (seg is not None or v == 0 or collect):
            files = _read(log_, v, out)
        if seg is not None and files is not None:
            seg.apply(files, v)
        else:
            _close(out, seg, present)
            seg = None
            if v == 0 and files is not None:
                seg = _Segment()
                seg.apply(files, v)
            elif v in whole:
                seg = _load(log_, whole[v], v, out)
        if collect:
            # The files of the version `since` itself are its live ones; its commit's cdc
            # files belong to the change from the version before it.
            _collect(sets, seg, files if v > (since or 0) else None)
        if seg is not None:
            out.rebuildable.append(v)
            seg.versions.append(v)
    _close(out, seg, present)
    out.files = FileSet.union(sets)
    return out


def _read(log_: DeltaLog, version: int, out: Replay) -> pa.Table | None:
    path = commit_path(version)
    try:
        return parse_json_log(log_.store.get(path), where=path)[1]
    except (ObjectNotFound, BadInput) as e:
        out.problems.append(Problem(path, "unreadable", str(e)))
        return None


def _load(log_: DeltaLog, candidates: list[Checkpoint], v: int, out: Replay) -> _Segment | None:
    """The state at a whole checkpoint; the next candidate if one cannot be read."""
    for cp in candidates:
        try:
            content = checkpoint_content(log_.store, cp.files)
        except (ObjectNotFound, BadInput) as e:
            log.warning("checkpoint of version %d of %s unreadable: %s", v, log_.url, e)
            out.problems.append(Problem(cp.files[0].path, "unreadable", str(e)))
            continue
        seg = _Segment()
        for _, adds in content.adds:
            seg.apply(adds, v)
        return seg
    return None


def _close(out: Replay, seg: _Segment | None, present: dict[str, int] | None) -> None:
    """A segment ends: which of its versions are whole, and what its newest one lacks."""
    if seg is None or not seg.versions:
        return
    if present is None:
        out.whole += seg.versions
        return
    table, seg.events = pa.concat_tables(seg.events), []
    counts, still_open, missing = open_holes(table, present, seg.versions[0], seg.versions[-1])
    out.whole += [v for v in seg.versions if counts[v - seg.versions[0]] == 0]
    out.holes = hole_problems(table, still_open, missing, present)


def _collect(sets: list[FileSet], seg: _Segment | None, files: pa.Table | None) -> None:
    if seg is not None and not seg.collected:
        sets.append(referenced(seg.live()))
        seg.collected = True
    if files is not None:
        action = files.column("action")
        sets.append(referenced(files.filter(pc.equal(action, "add"))))
        sets.append(referenced(files.filter(pc.equal(action, "cdc")), kind="cdc"))
