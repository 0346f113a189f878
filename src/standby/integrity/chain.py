"""What a copy's log holds, from one listing: which checkpoints are whole (every part and
sidecar present), which commits are missing between others, and whether `_last_checkpoint`
names a checkpoint that is there. Nothing here reads a commit.

A copy made by anything (S3 CRR, azcopy, a killed run) can lose any object, so every gap is
reported as a finding; deciding which versions can be served is the replay's job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from standby.delta.checkpoint import sidecar_paths
from standby.delta.log import LAST_CHECKPOINT, LOG_DIR, DeltaLog, LogFile, LogKind, LogListing
from standby.errors import BadInput, ObjectNotFound
from standby.integrity.findings import Problem


@dataclass
class Checkpoint:
    """One checkpoint of the listing: a single file, or one multi-part set."""

    version: int
    files: list[LogFile]
    missing: list[str] = field(default_factory=list)  # parts or sidecars the copy lacks
    unreadable: str | None = None

    @property
    def whole(self) -> bool:
        return not self.missing and self.unreadable is None


@dataclass
class Chain:
    """The log of a copy, as its listing shows it."""

    listing: LogListing
    checkpoints: list[Checkpoint]
    hint_version: int | None  # the version `_last_checkpoint` names (None: absent or unreadable)
    problems: list[Problem] = field(default_factory=list)

    @property
    def commits(self) -> set[int]:
        return set(self.listing.commits)

    @property
    def whole(self) -> dict[int, list[Checkpoint]]:
        """Whole checkpoints by version (several may share one)."""
        found: dict[int, list[Checkpoint]] = {}
        for cp in self.checkpoints:
            if cp.whole:
                found.setdefault(cp.version, []).append(cp)
        return found

    @property
    def first(self) -> int:
        """The oldest version a commit or a whole checkpoint is there for."""
        return min([*self.listing.commits, *self.whole], default=self.latest)

    @property
    def latest(self) -> int:
        """The newest version the listing claims (a commit, or a checkpoint whose parts are all
        there); open_log has made sure there is one."""
        latest = self.listing.latest
        assert latest is not None, "open_log returns only listings with a version"
        return latest

    @property
    def missing_commits(self) -> list[int]:
        """Versions between the oldest and newest commit whose commit is not there."""
        commits = self.listing.commits
        if not commits:
            return []
        return [v for v in range(min(commits), max(commits)) if v not in commits]

    def hint_is_wrong(self) -> bool:
        """`_last_checkpoint` names a version with no whole checkpoint: readers refuse the
        table (deltalake: "Had a _last_checkpoint hint but didn't find any checkpoints")."""
        return self.hint_version is not None and self.hint_version not in self.whole


def read_chain(log: DeltaLog, listing: LogListing) -> Chain:
    """The listing's checkpoints checked for parts and sidecars, its gaps and its hint."""
    checkpoints = [
        _check(log, listing, version, files)
        for version, all_files in sorted(listing.checkpoints.items())
        for files in _candidates(all_files)
    ]
    chain = Chain(listing, checkpoints, _hint_version(log, listing))
    chain.problems = _gap_problems(chain) + _checkpoint_problems(chain)
    if chain.hint_is_wrong():
        chain.problems.append(
            Problem(
                LAST_CHECKPOINT,
                "last_checkpoint",
                f"names the checkpoint of version {chain.hint_version}, which this copy lacks "
                "whole: readers refuse the table until it is moved aside (safe-point --repair)",
            )
        )
    return chain


def _candidates(files: list[LogFile]) -> list[list[LogFile]]:
    """Each single-file checkpoint alone, and each multi-part set (grouped by its total)."""
    singles = [[f] for f in files if f.kind in (LogKind.CHECKPOINT, LogKind.CHECKPOINT_V2)]
    sets: dict[int, list[LogFile]] = {}
    for f in files:
        if f.kind is LogKind.CHECKPOINT_PART:
            sets.setdefault(f.parts or 0, []).append(f)
    return [*singles, *(sorted(s, key=lambda f: f.part or 0) for s in sets.values())]


def _check(log: DeltaLog, listing: LogListing, version: int, files: list[LogFile]) -> Checkpoint:
    cp = Checkpoint(version, files)
    first = files[0]
    if first.kind is LogKind.CHECKPOINT_PART:
        total = first.parts or 0
        have = {f.part for f in files}
        cp.missing = [_part_path(version, i, total) for i in range(1, total + 1) if i not in have]
        return cp
    try:
        sidecars = sidecar_paths(log.store, files)
    except (BadInput, ObjectNotFound) as e:
        cp.unreadable = str(e)
        return cp
    cp.missing = [p for p in sidecars if p not in listing.sidecars]
    return cp


def _part_path(version: int, part: int, total: int) -> str:
    return f"{LOG_DIR}/{version:020d}.checkpoint.{part:010d}.{total:010d}.parquet"


def _hint_version(log: DeltaLog, listing: LogListing) -> int | None:
    if not any(f.kind is LogKind.LAST_CHECKPOINT for f in listing.others):
        return None
    try:
        return int(json.loads(log.store.get(LAST_CHECKPOINT))["version"])
    except (ObjectNotFound, ValueError, KeyError, TypeError):
        return None  # unreadable: readers ignore such a hint and list the log


def _gap_problems(chain: Chain) -> list[Problem]:
    """One finding per run of missing commits between present ones."""
    problems: list[Problem] = []
    missing = chain.missing_commits
    runs: list[list[int]] = []
    for v in missing:
        if runs and runs[-1][-1] == v - 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    whole = chain.whole
    for run in runs:
        what = f"version {run[0]}" if len(run) == 1 else f"versions {run[0]} to {run[-1]}"
        covered = [v for v in run if v in whole]
        note = f" (the checkpoint of version {covered[-1]} rebuilds it)" if covered else ""
        problems.append(
            Problem(
                f"{LOG_DIR}/{run[0]:020d}.json",
                "commit_missing",
                f"a gap in the log: the commit of {what} is missing, commits before and "
                f"after it are there{note}",
            )
        )
    return problems


def _checkpoint_problems(chain: Chain) -> list[Problem]:
    problems = []
    for cp in chain.checkpoints:
        if cp.unreadable is not None:
            problems.append(Problem(cp.files[0].path, "unreadable", cp.unreadable))
        for path in cp.missing:
            problems.append(
                Problem(
                    path,
                    "checkpoint_incomplete",
                    f"part of the checkpoint of version {cp.version}, missing",
                )
            )
    return problems
