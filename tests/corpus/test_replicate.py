"""Every corpus table replicated, from its latest checkpoint and with all its history,
replays to the source's snapshot (protocol, metadata, live files, app transactions, domain
metadata, and the bytes of every file), passes `verify --against`, and a second pass copies
nothing; or replication is refused as the manifest says, publishing no version it cannot
make whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from standby.delta import DeltaLog
from standby.delta.checkpoint import sidecar_paths
from standby.delta.log import LogFile, LogListing
from standby.integrity import safe_point, verify
from standby.replication import replicate_table
from standby.replication.state import read_state
from standby.storage import open_store
from tests.corpus.manifest import BY_NAME, Expectation, assert_refused, refusing, working
from tests.corpus.snapshots import assert_same_snapshot


@pytest.mark.parametrize("history", ["checkpoint", "all"])
@pytest.mark.parametrize("e", working("replicate"))
def test_replica_replays_to_the_source_snapshot(
    e: Expectation, history: str, tmp_path: Path
) -> None:
    dst = str(tmp_path / "replica")
    first = replicate_table(e.uri, dst, history=history)  # type: ignore[arg-type]
    assert first.to_version == first.source_version
    assert_same_snapshot(e.uri, dst, new_table=False)
    report = verify(dst, against=e.uri)
    assert report.ok, report.problems
    again = replicate_table(e.uri, dst, history=history)  # type: ignore[arg-type]
    assert (again.files_copied, again.commits_published) == (0, 0)


@pytest.mark.parametrize("e", refusing("replicate"))
def test_replication_is_refused_as_the_manifest_says(e: Expectation, tmp_path: Path) -> None:
    expected = e.refusal("replicate")
    assert expected
    for history in ("checkpoint", "all"):
        dst = tmp_path / history
        assert_refused(
            expected,
            lambda dst=dst, history=history: replicate_table(e.uri, str(dst), history=history),  # type: ignore[misc]
            target=None,
        )
        if (dst / "_delta_log").exists():
            # What was published before the refusal is whole from where the replica's
            # state says it is complete (versions before that lack files the source lost).
            state = read_state(open_store(str(dst)))
            point = safe_point(str(dst))
            assert state is not None and state.last_version == point.latest
            if state.complete_from <= point.latest:
                assert point.version == point.latest and not point.problems


@pytest.mark.parametrize("e", working("replicate", read=("snapshot",)))
def test_every_log_file_a_reader_may_use_is_replicated(e: Expectation, tmp_path: Path) -> None:
    """Commits, complete checkpoints (with their parts and sidecars) and compacted log
    files from the replica's first complete version on: a reader of the replica finds the
    same shortcuts as one of the source."""
    dst = tmp_path / "replica"
    result = replicate_table(e.uri, str(dst), history="all")
    first = result.complete_from or 0
    source, replica = DeltaLog(open_store(e.uri)).list(), DeltaLog(open_store(str(dst))).list()
    want = {f.path for v, f in source.commits.items() if v >= first}
    want |= {f.path for v, fs in source.complete_checkpoints().items() if v >= first for f in fs}
    want |= {f.path for f in source.compactions if (f.version or 0) >= first}
    have = {*(f.path for f in replica.commits.values()), *(f.path for f in replica.compactions)}
    have |= {f.path for fs in replica.checkpoints.values() for f in fs}
    assert want <= have, sorted(want - have)
    for sidecar in {*sidecar_paths(source_store := open_store(e.uri), _cp_files(source))}:
        assert (dst / sidecar).read_bytes() == source_store.get(sidecar)


def _cp_files(listing: LogListing) -> list[LogFile]:
    return [f for fs in listing.complete_checkpoints().values() for f in fs]


def test_compacted_log_files_are_replicated_after_their_last_commit(tmp_path: Path) -> None:
    table = BY_NAME["corpus-kernel/compacted-log-files-table"]
    dst = tmp_path / "replica"
    replicate_table(table.uri, str(dst), history="all")
    names = sorted(p.name for p in (dst / "_delta_log").glob("*.compacted.json"))
    assert names == sorted(p.name for p in (table.path / "_delta_log").glob("*.compacted.json"))
    assert len(names) == 3
    for name in names:
        assert (dst / "_delta_log" / name).read_bytes() == (
            table.path / "_delta_log" / name
        ).read_bytes()
