"""`standby.failover`, `standby.reprotect` and `standby.failback`: the library's entry
points take the options as keywords and run the same operations as the commands."""

from __future__ import annotations

import standby
from standby.failover.context import FailoverOptions
from tests.failover.lakehouse import TwoRegions


def test_failover_and_failback_through_the_library(lakehouse: TwoRegions) -> None:
    config = lakehouse.config
    planned = standby.failover(
        config, mode="planned", sync_config=True, drain_timeout=7.0, dry_run=True
    )
    assert isinstance(planned, standby.Planned)
    assert planned.options == FailoverOptions(
        source="primary",
        target="dr",
        mode="planned",
        sync_config=True,
        drain_timeout=7.0,
        primary_timeout=float(config.failover.primary_timeout),
    )
    assert [s.name for s in planned.steps][:3] == ["sync-config", "preflight", "fence-control"]
    assert lakehouse.control("primary") == ("primary", 1)  # a dry run changes nothing

    journal = standby.failover(config, mode="planned", sync_config=True)
    assert isinstance(journal, standby.Journal) and journal.report is not None
    assert journal.args["drain_timeout"] == float(config.failover.drain_timeout)
    assert lakehouse.control("dr") == ("primary", 2)

    reprotect = standby.reprotect(config, dry_run=True)
    assert isinstance(reprotect, standby.Planned)
    assert (reprotect.options.source, reprotect.options.target) == ("dr", "primary")
    assert lakehouse.control("primary") == ("fenced", 2)

    back = standby.failback(config, sync_config=True)
    assert isinstance(back, standby.Journal) and back.kind == "failback"
    assert lakehouse.control("primary") == ("primary", 3)
    assert lakehouse.control("dr") == ("replica", 3)
