"""Whose replica is this, and is its source still there (invariant 13)?

A replica belongs to one source table: the URI and table id its state records, and the
history up to its version. Before a pass writes anything it checks, from the listings it
makes anyway, that the source it was given is that table: same URI, not behind the
replica, and the same size of the commit at the replica's version on both sides (free).
A pass with new commits also compares that commit's bytes (one read), which tells a
table recreated at the same path from the one the replica follows. `status` and `verify`
make the same checks.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Literal

from standby.delta import DeltaLog, load_snapshot
from standby.delta.log import LogListing
from standby.errors import (
    BadInput,
    Diverged,
    ObjectNotFound,
    Refused,
    SourceGone,
    StandbyError,
    WrongSource,
)
from standby.replication.state import ReplicaState
from standby.storage import open_store, redact

log = logging.getLogger(__name__)
ProblemKind = Literal["promoted", "identity", "ahead"]


@dataclass(frozen=True)
class Finding:
    """Why a replica may not be written from this source; `problem` is a stable key."""

    problem: ProblemKind
    detail: str

    def error(self) -> Refused:
        if self.problem == "promoted":
            return Refused(self.detail, hint="Replicate in the other direction instead.")
        return WrongSource(
            self.detail,
            hint="Nothing was written. Replicate this source into a new, empty location; "
            "keep the replica as it is, or move it aside.",
        )


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def list_source(source: DeltaLog, *, from_version: int, name: str) -> LogListing:
    """The log of a source that was replicated before, from `from_version` (all of it when
    nothing follows that version). Raises SourceGone when no log is there any more, or the
    store says the path or bucket does not exist."""
    try:
        listing = source.list(from_version=from_version)
        if listing.latest is None and from_version > 0:
            listing = source.list()  # a source recreated smaller than the replica
    except (ObjectNotFound, BadInput) as e:  # a bucket that is gone is a 404 on the list
        raise SourceGone(
            f"The source {name} is gone: listing its log failed ({e.message})",
            hint="Losing the source is the DR event: the replica is kept as it is "
            "(`standby safe-point` and `standby verify` check it).",
        ) from e
    if listing.latest is None:
        raise SourceGone(
            f"The source {name} is gone: it holds no Delta log any more.",
            hint="Losing the source is the DR event: the replica is kept as it is "
            "(`standby safe-point` and `standby verify` check it).",
        )
    return listing


def check_source(
    state: ReplicaState,
    source: DeltaLog,
    listing: LogListing,
    *,
    replica: DeltaLog,
    replica_size: int | None,
    deep: bool,
) -> Finding | None:
    """Whether `source` (listed from at most the replica's version) is the table `state`
    follows. `replica_size`: the size of the replica's commit at its version, from its
    listing; `deep` also compares that commit's bytes."""
    name, target = redact(source.url), redact(replica.url)
    if state.promoted is not None:
        p = state.promoted
        return Finding(
            "promoted",
            f"The replica {target} was promoted by operation {p.operation_id} at epoch "
            f"{p.epoch} (at its version {p.version}): replication into it is over.",
        )
    if state.source != name:
        return _other_table(state, source, target, why=f"it follows {state.source}")
    v, latest = state.last_version, listing.latest
    if latest is not None and latest < v:
        return _behind(state, source, replica, latest)
    theirs = listing.commits.get(v)
    if theirs is None:
        return None  # cleaned from the source's log, or a seed taken from a checkpoint
    if replica_size is not None and theirs.size != replica_size:
        return _other_table(state, source, target, why=f"its version {v} differs")
    if deep:
        raw = source.read_raw(v)
        mine = state.last_commit_sha256 or _digest_of(replica, v)
        if raw is not None and mine is not None and digest(raw) != mine:
            return _other_table(state, source, target, why=f"its version {v} differs")
    return None


def source_mismatch(replica: DeltaLog, state: ReplicaState) -> Finding | None:
    """`check_source` against the source the state names, for `verify`. A source that is
    gone or unreachable is no finding about the replica (it is logged)."""
    try:
        source = DeltaLog(open_store(state.source))
        listing = list_source(source, from_version=state.last_version, name=state.source)
        finding = check_source(
            state, source, listing, replica=replica, replica_size=None, deep=True
        )
    except StandbyError as e:
        log.warning("could not compare %s with its source: %s", redact(replica.url), e)
        return None
    return None if finding is None or finding.problem == "promoted" else finding


def _behind(state: ReplicaState, source: DeltaLog, replica: DeltaLog, latest: int) -> Finding:
    """The source's newest version is older than the replica's: the same history cut
    back (ahead), or another table at the same path (recreated)."""
    theirs, mine = source.read_raw(latest), replica.read_raw(latest)
    target = redact(replica.url)
    if theirs is not None and theirs == mine:
        return Finding(
            "ahead",
            f"The replica {target} is at version {state.last_version}, ahead of its source "
            f"{redact(source.url)} at version {latest}: the source lost versions "
            f"{latest + 1}..{state.last_version} (its log was cut back or restored).",
        )
    return _other_table(state, source, target, why=f"it is at version {latest}, behind the replica")


def _other_table(state: ReplicaState, source: DeltaLog, target: str, *, why: str) -> Finding:
    theirs = _table_id(source)
    name = redact(source.url)
    recreated = " (recreated at the same path)" if state.source == name else ""
    return Finding(
        "identity",
        f"The replica {target} belongs to table {state.source_table_id} at {state.source}; "
        f"the source {name} is table {theirs}{recreated}: {why}.",
    )


def _table_id(source: DeltaLog) -> str:
    try:
        return str(load_snapshot(source).metadata.get("id") or "unknown")
    except (StandbyError, ValueError, KeyError):
        return "unknown (its log cannot be read)"


def _digest_of(replica: DeltaLog, version: int) -> str | None:
    raw = replica.read_raw(version)
    return digest(raw) if raw is not None else None


def check_tail(source: DeltaLog, replica: DeltaLog, hint: int, listing: LogListing) -> int | None:
    """The replica's latest version beyond `hint` (None: none), after checking that each
    of those commits is byte-identical to the source's (invariant 2): anything else is
    divergence. `listing` is the replica's, from at most `hint`."""
    beyond = sorted(v for v in listing.commits if v > hint)
    for v in beyond:
        theirs = source.read_raw(v)
        if theirs is None or theirs != replica.read_raw(v):
            what = "does not exist on the source" if theirs is None else "differs from the source's"
            raise Diverged(
                f"The replica {redact(replica.url)} has diverged: its version {v} {what}. "
                "Nothing was changed.",
                hint="Someone wrote to the replica. Inspect it; to start over, move it aside "
                "and replicate into an empty location.",
            )
    return beyond[-1] if beyond else None
