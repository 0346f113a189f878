"""A protected table named only by its Unity Catalog name (or a glob) gets its location
from the primary's catalog when replication runs, and from the DR site's when the primary
is gone: it is replicated, failed over and registered like one given by location."""

from __future__ import annotations

import yaml

from standby.failover.service import FailoverRequest, failover
from standby.operations.journal import Journal
from standby.replication.locations import locate_protected
from standby.replication.plan import configured_pairs
from standby.storage import normalize
from tests.failover.lakehouse import TABLES, TwoRegions, replicate_all


def _by_name_only(lake: TwoRegions) -> None:
    data = yaml.safe_load(lake.config_path.read_text())
    data["protected"]["tables"] = [
        {"table": TABLES[0], "location": lake.uri(TABLES[0]), "tier": "tier1"},
        {"table": TABLES[1], "tier": "tier1"},  # no location: the catalog knows it
        {"table": "production.inventory.*", "tier": "tier2"},  # a glob
    ]
    lake.config_path.write_text(yaml.safe_dump(data))


def test_names_and_globs_resolve_through_the_primarys_catalog(lakehouse: TwoRegions) -> None:
    _by_name_only(lakehouse)
    located, unresolved = locate_protected(lakehouse.config)
    assert unresolved == []
    assert {t.name: t.location for t in located} == {n: normalize(lakehouse.uri(n)) for n in TABLES}
    planned = configured_pairs(lakehouse.config)
    targets = sorted(normalize(p.target) for p in planned.pairs)
    assert targets == sorted(normalize(lakehouse.uri(n, "dr")) for n in TABLES)


def test_a_forced_failover_finds_them_in_the_dr_catalog(lakehouse: TwoRegions) -> None:
    _by_name_only(lakehouse)
    lakehouse.append(TABLES[1], 5_000)
    replicate_all(lakehouse.config)  # the catalog-named table is replicated too
    assert lakehouse.latest(TABLES[1], "dr") == lakehouse.latest(TABLES[1])
    lakehouse.primary.go_down()
    journal = failover(lakehouse.config, FailoverRequest(mode="forced", primary_timeout=1.0))
    assert isinstance(journal, Journal) and journal.report is not None
    assert {t["name"] for t in journal.report["tables"]} == set(TABLES)
    assert journal.report["unresolved"] == []
    registered = {n: lakehouse.dr.client().tables.get(n).storage_location for n in TABLES}
    assert registered == {n: normalize(lakehouse.uri(n, "dr")) for n in TABLES}


def test_a_name_the_catalog_does_not_know_is_reported(lakehouse: TwoRegions) -> None:
    data = yaml.safe_load(lakehouse.config_path.read_text())
    data["protected"]["tables"].append({"table": "production.sales.nope", "tier": "tier1"})
    lakehouse.config_path.write_text(yaml.safe_dump(data))
    _, unresolved = locate_protected(lakehouse.config)
    assert unresolved == ["production.sales.nope: no such table in Unity Catalog"]
