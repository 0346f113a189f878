"""Acceptance 2 of the failback issue: the shapes a divergence takes, each failed back and
checked: afterwards the primary reads exactly like DR (same log bytes, same rows, at the
latest version and at the fork), what was orphaned is aside with its manifest, and
replication primary -> DR copies nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import deltalake
import pytest
import yaml

from standby.cli import main
from standby.failover.failback import failback
from standby.failover.orphaned import export, manifests
from standby.failover.service import FailoverRequest, failover
from standby.operations.journal import Journal
from standby.storage import normalize
from tests.failover.lakehouse import TABLES, TARGETS, TwoRegions, rows
from tests.failover.outage import (
    comes_back,
    commits,
    forced_failover,
    ids,
    log_bytes,
    orphaned_dirs,
    replicate_again,
    write_in_dr,
)


@pytest.fixture
def lake(lakehouse: TwoRegions) -> TwoRegions:
    return lakehouse


def _failback(lake: TwoRegions) -> dict[str, Any]:
    journal = failback(lake.config, FailoverRequest(sync_config=True))
    assert isinstance(journal, Journal) and journal.report is not None
    assert journal.status == "done"
    return journal.report


def _reads_like_dr(lake: TwoRegions, names: tuple[str, ...] = TABLES) -> None:
    for name in names:
        assert log_bytes(lake, name, "primary") == log_bytes(lake, name, "dr"), name
        assert ids(lake, name) == ids(lake, name, "dr"), name
    assert lake.control("primary")[0] == "primary" and lake.control("dr")[0] == "replica"
    assert lake.record_target() == TARGETS["primary"]
    assert all(done == (0, 0) for done in replicate_again(lake)), "replication copied again"


def _lose(lake: TwoRegions, name: str, n: int) -> dict[int, bytes]:
    """n commits on the primary that never replicate; their bytes by version."""
    versions = [lake.append(name, 600_000 + 10 * i, n=7) for i in range(n)]
    return {v: commits(lake, name)[v] for v in versions}


def test_no_orphaned_commits_after_a_planned_failover(lake: TwoRegions) -> None:
    forks = {n: lake.latest(n) for n in TABLES}
    journal = failover(lake.config, FailoverRequest(mode="planned", sync_config=True))
    assert isinstance(journal, Journal)
    write_in_dr(lake, TABLES[0])

    report = _failback(lake)
    for name in TABLES:
        orphaned = report["orphaned"][name]
        assert orphaned["fork"] == forks[name] and orphaned["orphaned_versions"] == []
        assert orphaned_dirs(lake, name) == [] and manifests(lake.config, name) == []
    assert report["orphaned"][TABLES[0]]["replicated_back"] == 5
    _reads_like_dr(lake)


def test_no_orphaned_commits_after_a_forced_failover(lake: TwoRegions) -> None:
    forks = {n: lake.latest(n) for n in TABLES}  # everything the primary wrote replicated
    forced_failover(lake)
    write_in_dr(lake, TABLES[1])
    comes_back(lake)

    report = _failback(lake)
    assert {n: report["orphaned"][n]["fork"] for n in TABLES} == forks
    assert all(not report["orphaned"][n]["orphaned_versions"] for n in TABLES)
    assert all(orphaned_dirs(lake, n) == [] for n in TABLES)
    _reads_like_dr(lake)


def test_orphaned_commits_with_a_checkpoint_and_its_hint(
    lake: TwoRegions, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = TABLES[0]
    fork = lake.latest(name)
    lost = _lose(lake, name, 2)
    table = deltalake.DeltaTable(lake.uri(name))
    table.create_checkpoint()  # a checkpoint and _last_checkpoint after the fork
    lost |= _lose(lake, name, 1)
    checkpoint = f"_delta_log/{fork + 2:020d}.checkpoint.parquet"
    old_log = log_bytes(lake, name, "primary")
    assert checkpoint in old_log and b'"version":%d' % (fork + 2) in old_log[
        "_delta_log/_last_checkpoint"
    ].replace(b" ", b"")
    orphaned_ids = ids(lake, name) - ids(lake, name, version=fork)

    forced_failover(lake)
    write_in_dr(lake, name)
    # DR checkpoints the same version number the old primary did: other bytes, same name.
    deltalake.DeltaTable(lake.uri(name, "dr"), version=fork + 2).create_checkpoint()
    comes_back(lake)

    report = _failback(lake)
    assert report["orphaned"][name]["orphaned_versions"] == sorted(lost)
    (manifest,) = manifests(lake.config, name)
    assert sorted(manifest.moved) == sorted(
        [*(f"_delta_log/{v:020d}.json" for v in lost), checkpoint, "_delta_log/_last_checkpoint"]
    )
    aside = Path(lake.uri(name)) / "_standby" / "orphaned" / manifest.operation_id
    assert (aside / checkpoint).read_bytes() == old_log[checkpoint]
    assert (aside / "_delta_log" / "_last_checkpoint").read_bytes() == old_log[
        "_delta_log/_last_checkpoint"
    ]
    _reads_like_dr(lake)
    assert ids(lake, name, version=fork + 2) == ids(lake, name, "dr", version=fork + 2)

    exported = str(tmp_path / "orphaned")
    export(lake.config, name, exported)
    assert ids_of(exported) - ids(lake, name, version=fork) == orphaned_ids
    assert main(["--config", str(lake.config_path), "--json", "orphaned", "show", name]) == 0
    (shown,) = json.loads(capsys.readouterr().out)
    assert [c["version"] for c in shown["commits"]] == sorted(lost)
    assert [c["rows"] for c in shown["commits"]] == [7, 7, 7]


def ids_of(uri: str) -> set[int]:
    table = deltalake.DeltaTable(uri)
    return set(table.to_pyarrow_table(columns=["id"]).column("id").to_pylist())


def test_old_primary_vacuumed_after_the_fork(lake: TwoRegions) -> None:
    """The old primary compacted and vacuumed while cut off: the files of the fork are
    gone from it, and DR's own commits after the fork still need some of them."""
    name = TABLES[1]
    fork = lake.latest(name)
    at_fork = ids(lake, name)
    forced_failover(lake)
    comes_back(lake)
    old = deltalake.DeltaTable(lake.uri(name))
    old.optimize.compact()
    gone = old.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    assert gone, "the vacuum deleted nothing: the shape is not there"
    uri, dr = lake.uri(name, "dr"), None
    deltalake.write_deltalake(uri, rows(900_000, 5), mode="append", storage_options=dr)
    deltalake.DeltaTable(uri).delete("id = 1000")  # DR rewrites one of the vacuumed files

    report = _failback(lake)
    assert report["orphaned"][name]["fork"] == fork
    assert len(report["orphaned"][name]["orphaned_versions"]) >= 2  # OPTIMIZE, VACUUM
    _reads_like_dr(lake)
    assert ids(lake, name, version=fork) == at_fork  # the fork reads too, not only the head
    for version in range(fork, lake.latest(name) + 1):
        assert ids(lake, name, version=version) == ids(lake, name, "dr", version=version)


def test_dr_wrote_nothing(lake: TwoRegions) -> None:
    name = TABLES[2]
    fork = lake.latest(name)
    lost = _lose(lake, name, 3)
    forced_failover(lake)
    comes_back(lake)

    report = _failback(lake)
    orphaned = report["orphaned"][name]
    assert orphaned["fork"] == fork and orphaned["orphaned_versions"] == sorted(lost)
    assert orphaned["replicated_back"] == 0
    assert lake.latest(name) == fork
    _reads_like_dr(lake)


def _protect(lake: TwoRegions, name: str, location: str) -> None:
    data = yaml.safe_load(lake.config_path.read_text())
    data["protected"]["tables"].append({"table": name, "location": location, "tier": "tier2"})
    lake.config_path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_table_created_in_dr_during_the_outage_is_seeded_to_the_primary(
    lake: TwoRegions,
) -> None:
    forced_failover(lake)
    new = "production.sales.returns"
    for i in range(3):
        deltalake.write_deltalake(lake.uri(new, "dr"), rows(50_000 + 10 * i, 10), mode="append")
    _protect(lake, new, lake.uri(new))
    comes_back(lake)
    assert not Path(lake.uri(new)).exists()

    report = _failback(lake)
    assert report["orphaned"][new]["reseeded"] is True
    assert report["orphaned"][new]["orphaned_versions"] == []
    _reads_like_dr(lake, (*TABLES, new))
    location = lake.primary.client().tables.get(new).storage_location
    assert location is not None and normalize(location) == normalize(lake.uri(new))


def test_a_table_dropped_on_the_primary_is_reseeded(lake: TwoRegions) -> None:
    name = TABLES[0]
    forced_failover(lake)
    write_in_dr(lake, name)
    comes_back(lake)
    shutil.rmtree(lake.uri(name))  # dropped while the region was cut off

    report = _failback(lake)
    assert report["orphaned"][name]["reseeded"] is True
    _reads_like_dr(lake)


def test_a_second_outage_fails_back_too(lake: TwoRegions) -> None:
    """After one whole failback, the primary's tables carry the replica state of its time
    as a replica (marked promoted): a second outage's reprotect must not trip on it."""
    for round_ in range(2):
        lost = _lose(lake, TABLES[0], 2)
        forced_failover(lake)
        write_in_dr(lake, TABLES[0], appends=1)
        comes_back(lake)
        report = _failback(lake)
        assert report["orphaned"][TABLES[0]]["orphaned_versions"] == sorted(lost), round_
        _reads_like_dr(lake)
    assert len(manifests(lake.config, TABLES[0])) == 2
