"""`verify`: is a replica (or any table copy) complete and correct?

Every file the retained versions reference is present at the size the log says, every gap
in the log is a finding; against a source, every commit is byte-identical; with read_data,
contents hash equal and parquet footers read. Problems are listed, never raised.
"""

from __future__ import annotations

import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow.parquet as pq  # type: ignore[import-untyped]

from standby.delta import DeltaLog
from standby.delta.log import LogListing, commit_path, open_log
from standby.delta.presence import inventory
from standby.delta.snapshot import FileAction, object_path
from standby.errors import ObjectNotFound, StandbyError
from standby.integrity.chain import read_chain
from standby.integrity.findings import Problem, dedupe, file_problem, nothing_rebuilds
from standby.integrity.replay import replay
from standby.replication.identity import source_mismatch
from standby.replication.state import STATE_PATH, ReplicaState, read_state
from standby.storage import ObjectStore, open_store


@dataclass
class VerifyReport:
    ok: bool
    version: int
    files_checked: int
    complete_from: int
    problems: list[Problem] = field(default_factory=list)


def referenced_since(dl: DeltaLog, listing: LogListing, start: int) -> list[FileAction]:
    """Files any version from `start` to the latest references: the live files of the first
    version rebuilt from `start` on, plus every file a later commit adds."""
    return list(replay(dl, read_chain(dl, listing), None, since=start).referenced.values())


def verify(uri: str, *, against: str | None = None, read_data: bool = False) -> VerifyReport:
    """Check a table copy; problems are listed, never raised (the CLI exits 1 on any)."""
    dl, listing = open_log(open_store(uri))
    state = read_state(dl.store)
    chain = read_chain(dl, listing)
    start = max(chain.first, state.complete_from if state else chain.first)
    passed = replay(dl, chain, None, since=start)
    present = inventory(dl.store)
    problems = [*chain.problems, *passed.problems]
    if not passed.rebuildable:
        problems.append(nothing_rebuilds(chain.latest))
    files = list(passed.referenced.values())
    for f in files:
        if f.relative and (
            p := file_problem(f, present, why="referenced by the log, not in storage")
        ):
            problems.append(p)
    problems += _source_problems(dl, state if against is None else None)
    source_uri = against or (state.source if (state and read_data) else None)
    source = open_store(source_uri) if source_uri else None
    if source is not None and against:
        gaps = set(chain.missing_commits)  # already a finding each
        problems += _compare_commits(dl, DeltaLog(source), start, chain.latest, skip=gaps)
    if read_data:
        damaged = {p.path for p in problems}
        todo = [f for f in files if f.relative and f.path not in damaged]
        problems += _read_contents(dl.store, source, todo)
    problems = dedupe(problems)
    return VerifyReport(not problems, chain.latest, len(files), start, problems)


def _source_problems(dl: DeltaLog, state: ReplicaState | None) -> list[Problem]:
    """A replica whose source is now another table, or behind it (invariant 13)."""
    found = source_mismatch(dl, state) if state is not None else None
    return [Problem(STATE_PATH, found.problem, found.detail)] if found else []


def _compare_commits(
    replica: DeltaLog, source: DeltaLog, start: int, end: int, *, skip: set[int]
) -> list[Problem]:
    problems = []
    for v in range(start, end + 1):
        if v in skip:
            continue
        mine, theirs = replica.read_raw(v), source.read_raw(v)
        if mine is None:
            if theirs is not None:
                problems.append(Problem(commit_path(v), "commit_missing", "the source has it"))
        elif theirs is None:
            problems.append(
                Problem(commit_path(v), "commit_differs", "the source has no such version")
            )
        elif mine != theirs:
            problems.append(
                Problem(commit_path(v), "commit_differs", "bytes differ from the source's")
            )
    return problems


def _digest(store: ObjectStore, path: str) -> str:
    h = hashlib.sha256()
    for chunk in store.stream(path):
        h.update(chunk)
    return h.hexdigest()


def _read_contents(
    replica: ObjectStore, source: ObjectStore | None, files: list[FileAction]
) -> list[Problem]:
    def check(f: FileAction) -> Problem | None:
        key = object_path(f.path)
        try:
            if source is not None and _digest(replica, key) != _digest(source, key):
                return Problem(f.path, "content", "bytes differ from the source's (sha256)")
            if f.kind != "dv" and key.endswith(".parquet"):
                data = replica.get(key)
                pq.ParquetFile(io.BytesIO(data)).metadata  # noqa: B018 - reading the footer is the check
        except ObjectNotFound:
            return Problem(f.path, "missing", "vanished while verifying")
        except StandbyError:
            raise
        except Exception as e:  # a parquet reader's complaint is the finding
            return Problem(f.path, "unreadable", f"parquet footer unreadable: {e}")
        return None

    with ThreadPoolExecutor(8) as pool:
        return [p for p in pool.map(check, files) if p is not None]
