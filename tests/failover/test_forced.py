"""Acceptance 2 of the failover issue: a forced failover with the primary's storage and
workspace gone completes, reports per table exactly the commits it lost, and fences the
old primary: replication into the new primary and a second failover are refused."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from standby.cli import main
from standby.delta import DeltaLog
from standby.delta.timestamps import commit_info_of, format_ms, timestamp_of
from standby.errors import Unreachable
from standby.failover.service import FailoverRequest, failover
from standby.operations.clock import SystemClock
from standby.operations.journal import Journal
from standby.operations.lease import Lease
from standby.replication import Replicator
from standby.storage import ObjectStore, open_store
from tests.failover.lakehouse import TABLES, TARGETS, TwoRegions
from tests.servers import Root, S3Server, start_moto


class FailingCopies:
    """The DR store, but every data copy fails: the follow loop sees commits it cannot
    replicate, as when the primary region dies in the middle of a pass."""

    def __init__(self, inner: ObjectStore):
        self.inner = inner
        self.url = inner.url

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        raise Unreachable(f"injected: copy of {src_path} failed")


def _commit_ms(lake: TwoRegions, name: str, version: int) -> int:
    log = DeltaLog(open_store(lake.uri(name), options=lake.options()))
    stamp = timestamp_of(commit_info_of(log.read_raw(version) or b""))
    assert stamp is not None
    return stamp


def _lose_three_commits(lake: TwoRegions) -> tuple[int, list[int]]:
    """Three commits on the primary that the follow loop sees but never copies."""
    name = TABLES[0]
    replicated = lake.latest(name, "dr")
    lost = [lake.append(name, 50_000 + 10 * i) for i in range(3)]
    src = open_store(lake.uri(name), options=lake.options())
    dst = FailingCopies(open_store(lake.uri(name, "dr"), options=lake.options("dr")))
    with pytest.raises(Unreachable):
        Replicator(src, dst, epoch=1).run()  # type: ignore[arg-type]
    return replicated, lost


@pytest.fixture
def separate_primary(tmp_path: Path) -> Iterator[Callable[[], tuple[Root, S3Server]]]:
    """A moto server of the primary's own, so that the primary region can be stopped."""
    servers: list[S3Server] = []

    def make() -> tuple[Root, S3Server]:
        (tmp_path / "primary-moto").mkdir(exist_ok=True)
        server = start_moto(tmp_path / "primary-moto")
        servers.append(server)
        return Root("s3", f"s3://{server.create_bucket()}/root", dict(server.options)), server

    yield make
    for server in servers:
        server.server.stop()


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_forced_failover_reports_exactly_what_it_lost(
    lakehouse_on: Callable[..., TwoRegions],
    kind: str,
    separate_primary: Callable[[], tuple[Root, S3Server]],
) -> None:
    primary_root, primary_server = separate_primary() if kind == "s3" else (None, None)
    lake = lakehouse_on(kind, primary_root=primary_root)
    replicated, lost = _lose_three_commits(lake)
    expected_rpo = (
        _commit_ms(lake, TABLES[0], lost[-1]) - _commit_ms(lake, TABLES[0], replicated)
    ) / 1000

    lake.primary.go_down()  # the primary region is gone: its workspace and its storage
    if primary_server is not None:
        primary_server.server.stop()
    else:
        shutil.move(lake.primary_lake.uri, lake.primary_lake.uri + ".gone")

    journal = failover(lake.config, FailoverRequest(primary_timeout=2.0))
    assert isinstance(journal, Journal)
    report = journal.report
    assert report is not None and report["mode"] == "forced"
    tables = {t["name"]: t for t in report["tables"]}
    assert tables[TABLES[0]]["lost_versions"] == lost
    assert tables[TABLES[0]]["final_version"] == replicated
    assert tables[TABLES[0]]["rpo_seconds"] == pytest.approx(expected_rpo, abs=0.001)
    assert tables[TABLES[0]]["rpo_bound_seconds"] >= tables[TABLES[0]]["rpo_seconds"]
    seen_at = format_ms(tables[TABLES[0]]["seen_at_ms"])  # a time a person reads, not ms
    assert tables[TABLES[0]]["note"].startswith(
        f"lost versions {lost[0]}..{lost[-1]} (seen at {seen_at})"
    )
    assert all(tables[n]["lost_versions"] == [] for n in TABLES[1:])
    assert lake.control("dr") == ("primary", 2)
    assert lake.record_target() == TARGETS["dr"]
    assert lake.jobs("dr") == {"etl_pipeline": "UNPAUSED", "nightly_report": "UNPAUSED"}
    fence = journal.changed("fence-source")
    assert "not fenced" in fence["control"]  # tried, and recorded that it could not

    if kind == "local":  # the primary comes back: it cannot replicate over the new primary
        shutil.move(lake.primary_lake.uri + ".gone", lake.primary_lake.uri)
        lake.primary.come_up()
        assert main(["--config", str(lake.config_path), "replicate"]) == 5


def test_a_second_failover_is_refused_while_the_lease_is_held(lakehouse: TwoRegions) -> None:
    home = open_store(lake_home(lakehouse))
    Lease(home, operation_id="failover-other", clock=SystemClock()).acquire()
    code = main(["--config", str(lakehouse.config_path), "failover", "--planned", "--yes"])
    assert code == 5
    assert lakehouse.control("primary") == ("primary", 1)
    assert lakehouse.control("dr") == ("replica", 1)


def lake_home(lake: TwoRegions) -> str:
    return lake.dr_lake.uri
