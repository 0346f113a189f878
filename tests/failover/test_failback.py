"""Acceptance 1 of the failback issue: replicate; 3 commits on the primary that never
replicate; forced failover; 5 commits in DR; the primary returns; failback. The primary
then reads exactly like DR, the orphaned commits are kept and exportable, and jobs, DNS
and roles are as before the outage; replication primary -> DR copies nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import deltalake
import pytest

from standby.delta import DeltaLog
from standby.failover.failback import failback
from standby.failover.orphaned import export, manifests
from standby.failover.service import FailoverRequest, failover
from standby.operations.journal import Journal
from standby.replication import replicate_table
from standby.replication.plan import configured_pairs
from standby.storage import open_store
from tests.failover.lakehouse import TABLES, TARGETS, TwoRegions, rows


def _log_bytes(uri: str, options: dict[str, str]) -> dict[str, bytes]:
    store = open_store(uri, options=options)
    return {
        o.path: store.get(o.path)
        for o in store.list("_delta_log")
        if o.path.endswith(".json") and "_last_checkpoint" not in o.path
    }


def _ids(uri: str, options: dict[str, str], version: int | None = None) -> set[int]:
    table = deltalake.DeltaTable(uri, version=version, storage_options=options or None)
    return set(table.to_pyarrow_table(columns=["id"]).column("id").to_pylist())


def _outage(lake: TwoRegions, kind: str) -> None:
    lake.primary.go_down()
    if kind == "local":
        shutil.move(lake.primary_lake.uri, lake.primary_lake.uri + ".gone")


def _comes_back(lake: TwoRegions, kind: str) -> None:
    if kind == "local":
        shutil.move(lake.primary_lake.uri + ".gone", lake.primary_lake.uri)
    lake.primary.come_up()


def _write_in_dr(lake: TwoRegions, name: str) -> None:
    """Five commits of the new primary: appends, a delete, an OPTIMIZE."""
    uri, options = lake.uri(name, "dr"), lake.options("dr") or None
    for i in range(3):
        deltalake.write_deltalake(
            uri, rows(800_000 + 10 * i, 10), mode="append", storage_options=options
        )
    deltalake.DeltaTable(uri, storage_options=options).delete("id = 800000")
    deltalake.DeltaTable(uri, storage_options=options).optimize.compact()


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_the_whole_outage_story_ends_where_it_began(
    lakehouse_on: Callable[..., TwoRegions], kind: str, tmp_path: Path
) -> None:
    lake = lakehouse_on(kind)
    name = TABLES[0]
    jobs_before = {"primary": lake.jobs("primary"), "dr": lake.jobs("dr")}
    fork = lake.latest(name)
    lost = [lake.append(name, 600_000 + 10 * i, n=7) for i in range(3)]
    lost_ids = _ids(lake.uri(name), lake.options()) - _ids(lake.uri(name), lake.options(), fork)

    _outage(lake, kind)
    forced = failover(lake.config, FailoverRequest(mode="forced", primary_timeout=1.0))
    assert isinstance(forced, Journal)
    _write_in_dr(lake, name)
    _comes_back(lake, kind)

    journal = failback(lake.config, FailoverRequest(sync_config=True))  # DR changed its jobs
    assert isinstance(journal, Journal) and journal.report is not None
    for table in TABLES:  # the primary reads exactly like DR: same versions, same bytes
        assert _log_bytes(lake.uri(table), lake.options()) == _log_bytes(
            lake.uri(table, "dr"), lake.options("dr")
        )
    orphaned = journal.report["orphaned"][name]
    assert orphaned["fork"] == fork and orphaned["orphaned_versions"] == lost
    assert orphaned["orphaned_rows"] == 21
    (manifest,) = manifests(lake.config, name)
    assert [c.version for c in manifest.commits] == lost
    assert [c.rows for c in manifest.commits] == [7, 7, 7]

    exported = str(tmp_path / "orphaned-export")
    export(lake.config, name, exported)
    assert _ids(exported, {}) - _ids(lake.uri(name), lake.options(), fork) == lost_ids

    assert lake.control("primary") == ("primary", 3)
    assert lake.control("dr") == ("replica", 3)
    assert lake.record_target() == TARGETS["primary"]
    assert {"primary": lake.jobs("primary"), "dr": lake.jobs("dr")} == jobs_before
    planned = configured_pairs(lake.config)
    for pair in planned.pairs:
        again = replicate_table(
            pair.source,
            pair.target,
            epoch=planned.epoch,
            source_options=pair.source_options,
            target_options=pair.target_options,
        )
        assert again.files_copied == 0 and again.commits_published == 0
    assert (
        DeltaLog(open_store(lake.uri(name), options=lake.options())).list().latest
        == DeltaLog(open_store(lake.uri(name, "dr"), options=lake.options("dr"))).list().latest
    )
