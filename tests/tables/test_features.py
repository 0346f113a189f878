"""Table features, feature by feature (standby.delta.features.RULES): what clone, restore and
replicate do with each, on real tables and on tables whose feature commits are written by
hand as Databricks writes them (tests/tables/builders.py)."""

from __future__ import annotations

import itertools
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from standby.delta import DeltaLog, load_snapshot
from standby.delta.features import RULES, UNKNOWN, Support
from standby.errors import UnsupportedFeature
from standby.replication import replicate_table
from standby.storage import open_store
from standby.tables import clone, restore
from tests.tables.builders import (
    column_mapped,
    commits,
    copied_add,
    domain,
    history_table,
    latest,
    upgrade,
    with_metadata,
    write_commit,
)
from tests.tables.reading import read, same_rows

README = Path(__file__).resolve().parents[2] / "README.md"
LEGACY = ["appendOnly", "invariants"]  # what deltalake's tables (writer version 2) support
CODES = {"yes": Support.SUPPORTED, "warn": Support.WARN, "no": Support.REFUSED}


def snapshot(uri: str, version: int | None = None) -> Any:
    return load_snapshot(DeltaLog(open_store(uri)), version)


def test_readme_shows_the_decision_table() -> None:
    rows = {}
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1] in CODES:
            names = re.findall(r"`([^`]+)`", cells[0]) or [cells[0]]
            for name in names:
                base = name.removesuffix("(-preview)")
                for n in {base, name.replace("(-preview)", "-preview")}:
                    rows[n] = tuple(CODES[c] for c in cells[1:4])
    assert rows.pop("any other") == (UNKNOWN.clone, UNKNOWN.restore, UNKNOWN.replicate)
    assert rows == {f: (r.clone, r.restore, r.replicate) for f, r in RULES.items()}


def test_collations_tables_are_cloned_restored_and_replicated(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    collated = {"value": {"__COLLATIONS": {"value": "ICU.de_DE"}}}
    upgrade(uri, reader=[], writer=[*LEGACY, "collations", "domainMetadata"], fields=collated)
    result = clone(uri, str(tmp_path / "clone"))
    assert result.warnings == []
    assert same_rows(read(str(tmp_path / "clone")), read(uri))
    assert (
        snapshot(str(tmp_path / "clone")).metadata["schemaString"]
        == (snapshot(uri).metadata["schemaString"])
    )
    replicate_table(uri, str(tmp_path / "replica"))
    assert same_rows(read(str(tmp_path / "replica")), read(uri))
    assert restore(uri, version=2).new_version == 6
    assert same_rows(read(uri), read(uri, version=2))


def iceberg_table(uri: str) -> int:
    """A UniForm table (icebergCompatV2, column mapping by name) with one more append after
    the upgrade; returns the upgrade's version."""
    column_mapped(uri)
    version = upgrade(
        uri,
        reader=["columnMapping"],
        writer=[*LEGACY, "columnMapping", "icebergCompatV2"],
        configuration={
            "delta.enableIcebergCompatV2": "true",
            "delta.universalFormat.enabledFormats": "iceberg",
        },
    )
    add = next(a["add"] for a in commits(uri)[0] if "add" in a)
    write_commit(uri, [{"add": copied_add(uri, add)}])
    return version


def test_iceberg_compat_tables_are_copied_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    uri = str(tmp_path / "t")
    upgraded = iceberg_table(uri)
    result = clone(uri, str(tmp_path / "clone"))
    assert any("icebergCompatV2" in w and "MSCK REPAIR" in w for w in result.warnings)
    assert same_rows(read(str(tmp_path / "clone")), read(uri))
    with caplog.at_level(logging.WARNING):
        replicate_table(uri, str(tmp_path / "replica"))
    assert "icebergCompatV2" in caplog.text
    assert same_rows(read(str(tmp_path / "replica")), read(uri))
    restored = restore(uri, version=upgraded)
    assert restored.new_version is not None and restored.warnings
    assert same_rows(read(uri), read(uri, version=upgraded))


def test_iceberg_compat_needs_num_records_on_every_file(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    iceberg_table(uri)
    add = next(a["add"] for a in commits(uri)[0] if "add" in a)
    write_commit(uri, [{"add": copied_add(uri, add, stats=None)}])
    with pytest.raises(UnsupportedFeature, match="icebergCompatV2 needs the numRecords"):
        clone(uri, str(tmp_path / "clone"))
    assert not (tmp_path / "clone").exists()


def row_tracked(uri: str) -> int:
    """history_table's versions 0-4 (files without row IDs), row tracking supported at 5, and
    at 6 a file added with row IDs as a Databricks writer adds it; returns 6."""
    history_table(uri)
    upgrade(uri, reader=[], writer=[*LEGACY, "rowTracking", "domainMetadata"])
    live = snapshot(uri).files.values()
    add = copied_add(uri, next(iter(live)), baseRowId=0, defaultRowCommitVersion=6)
    mark = json.loads(add["stats"])["numRecords"] - 1
    hwm = domain("delta.rowTracking", rowIdHighWaterMark=mark)
    return write_commit(uri, [{"add": add}, {"domainMetadata": hwm}])


def assert_row_ids_fresh(adds: list[dict[str, Any]], *, above: int, version: int) -> int:
    """Each add has its own range of row IDs above `above`, committed at `version`;
    returns the highest."""
    ranges = sorted(
        (a["baseRowId"], a["baseRowId"] + json.loads(a["stats"])["numRecords"] - 1) for a in adds
    )
    assert ranges[0][0] == above + 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(ranges))
    assert {a["defaultRowCommitVersion"] for a in adds} == {version}
    return int(ranges[-1][1])


def test_clone_assigns_fresh_row_ids(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    row_tracked(uri)
    clone(uri, str(tmp_path / "clone"))
    (version0,) = commits(str(tmp_path / "clone"))
    adds = [a["add"] for a in version0 if "add" in a]
    mark = assert_row_ids_fresh(adds, above=-1, version=0)
    (hwm,) = [a["domainMetadata"] for a in version0 if "domainMetadata" in a]
    assert json.loads(hwm["configuration"]) == {"rowIdHighWaterMark": mark}
    assert same_rows(read(str(tmp_path / "clone")), read(uri))


def test_restore_keeps_row_ids_and_assigns_the_missing_ones(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    row_tracked(uri)
    restore(uri, version=2)
    actions = commits(uri)[7]
    removed = [a["remove"] for a in actions if "remove" in a]
    assert {r.get("baseRowId") for r in removed} >= {0}  # the row IDs of what it removes
    adds = [a["add"] for a in actions if "add" in a]
    mark = assert_row_ids_fresh(adds, above=latest_mark(commits(uri)[6]), version=7)
    assert snapshot(uri).domains["delta.rowTracking"]["configuration"] == json.dumps(
        {"rowIdHighWaterMark": mark}, separators=(",", ":")
    )
    assert same_rows(read(uri), read(uri, version=2))


def latest_mark(actions: list[dict[str, Any]]) -> int:
    (d,) = [a["domainMetadata"] for a in actions if "domainMetadata" in a]
    return int(json.loads(d["configuration"])["rowIdHighWaterMark"])


def test_restore_never_lowers_an_identity_high_water_mark(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    identity = {"delta.identity.start": 1, "delta.identity.step": 1}
    marked = upgrade(
        uri,
        reader=[],
        writer=[*LEGACY, "identityColumns"],
        fields={"id": {**identity, "delta.identity.highWaterMark": 10}},
    )
    raised = with_metadata(uri, {}, {"id": {**identity, "delta.identity.highWaterMark": 30}})
    add = copied_add(uri, next(iter(snapshot(uri).files.values())))
    write_commit(uri, [{"metaData": raised}, {"add": add}])
    restore(uri, version=marked)
    fields = json.loads(snapshot(uri).metadata["schemaString"])["fields"]
    assert fields[0]["metadata"]["delta.identity.highWaterMark"] == 30
    assert same_rows(read(uri), read(uri, version=marked))


def test_restore_never_lowers_the_max_column_id(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    mapped = column_mapped(uri)
    meta = latest(uri, "metaData")
    schema = json.loads(meta["schemaString"])
    schema["fields"].append(
        {
            "name": "extra",
            "type": "string",
            "nullable": True,
            "metadata": {"delta.columnMapping.id": 3, "delta.columnMapping.physicalName": "x3"},
        }
    )
    config = {**meta["configuration"], "delta.columnMapping.maxColumnId": "3"}
    write_commit(
        uri, [{"metaData": {**meta, "schemaString": json.dumps(schema), "configuration": config}}]
    )
    restore(uri, version=mapped)
    restored = snapshot(uri).metadata
    assert "extra" not in restored["schemaString"]
    assert restored["configuration"]["delta.columnMapping.maxColumnId"] == "3"
    assert same_rows(read(uri), read(uri, version=mapped))


def test_restore_brings_back_the_clustering_columns(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    writer = [*LEGACY, "clustering", "domainMetadata"]
    by_id = domain("delta.clustering", clusteringColumns=["id"])
    clustered = upgrade(uri, reader=[], writer=writer, domains=[by_id])
    write_commit(uri, [{"domainMetadata": domain("delta.clustering", clusteringColumns=["value"])}])
    assert restore(uri, version=clustered).new_version == clustered + 2
    assert snapshot(uri).domains["delta.clustering"] == by_id
    clone(uri, str(tmp_path / "clone"))
    assert snapshot(str(tmp_path / "clone")).domains["delta.clustering"] == by_id


def test_restore_never_drops_a_feature_the_old_version_needs(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    writer = [*LEGACY, "checkpointProtection"]
    checked = upgrade(uri, reader=["vacuumProtocolCheck"], writer=[*writer, "vacuumProtocolCheck"])
    dropped = {
        "minReaderVersion": 3,
        "minWriterVersion": 7,
        "readerFeatures": [],
        "writerFeatures": writer,
    }
    add = copied_add(uri, next(iter(snapshot(uri).files.values())))
    write_commit(uri, [{"protocol": dropped}, {"add": add}])
    restore(uri, version=checked)
    protocol = snapshot(uri).protocol
    assert "vacuumProtocolCheck" in protocol["readerFeatures"]
    assert "vacuumProtocolCheck" in protocol["writerFeatures"]


@pytest.mark.parametrize("feature", ["catalogManaged", "coordinatedCommits-preview"])
def test_catalog_owned_tables_are_refused_everywhere(tmp_path: Path, feature: str) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    upgrade(uri, reader=[feature], writer=[*LEGACY, feature])
    before = sorted(p.name for p in (tmp_path / "t" / "_delta_log").iterdir())
    with pytest.raises(UnsupportedFeature, match=feature):
        clone(uri, str(tmp_path / "clone"))
    with pytest.raises(UnsupportedFeature, match=feature):
        restore(uri, version=1)
    with pytest.raises(UnsupportedFeature, match=feature):
        replicate_table(uri, str(tmp_path / "replica"))
    assert sorted(p.name for p in (tmp_path / "t" / "_delta_log").iterdir()) == before
    assert not (tmp_path / "clone").exists()


def test_an_unknown_feature_is_refused_by_clone_and_restore_replicated_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    uri = str(tmp_path / "t")
    history_table(uri)
    upgrade(uri, reader=[], writer=[*LEGACY, "someFutureWriterFeature"])
    with pytest.raises(UnsupportedFeature, match="someFutureWriterFeature"):
        clone(uri, str(tmp_path / "clone"))
    with pytest.raises(UnsupportedFeature, match="someFutureWriterFeature"):
        restore(uri, version=1)
    with caplog.at_level(logging.WARNING):
        replicate_table(uri, str(tmp_path / "replica"))
    assert "someFutureWriterFeature" in caplog.text
    assert same_rows(read(str(tmp_path / "replica")), read(uri))
