"""`config export`: one canonical file per object, references by name, server-set fields
gone, byte-identical exports of the same configuration, and a manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.workspace.conftest import files

from standby.sandbox import RunningSandbox


def test_export_writes_one_canonical_file_per_object(
    config_file: Path, tmp_path: Path, standby: Any
) -> None:
    out = tmp_path / "snap"
    run = standby("--json", "config", "export", "--site", "primary", "--out", out)
    assert run.code == 0, run.err
    manifest = run.json()
    assert manifest["site"] == "primary" and manifest["complete"] is True
    assert manifest["tool"] == "standby" and manifest["exported_at"]
    assert manifest["counts"]["jobs"] == 2 and manifest["counts"]["schemas"] == 4
    assert json.loads((out / "manifest.json").read_text())["counts"] == manifest["counts"]
    written = set(files(out))
    for path in (
        "jobs/etl_pipeline.json",
        "clusters/reporting-cluster.json",
        "cluster_policies/etl-policy.json",
        "warehouses/reporting-warehouse.json",
        "secret_scopes/etl.json",
        "notebooks/Shared/etl/ingest.py",
        "notebooks/Shared/reports/nightly_report.sql",
        "catalogs/production.json",
        "schemas/production.sales.json",
        "tables/production.sales.transactions.json",
        "external_locations/prod-lake.json",
        "grants/catalogs/production.json",
        "permissions/jobs/etl_pipeline.json",
    ):
        assert path in written, path
    assert not any("information_schema" in p for p in written)

    report = json.loads((out / "jobs/nightly_report.json").read_text())
    refresh, publish = report["tasks"]
    assert refresh["existing_cluster_id"] == "reporting-cluster"  # an id, rewritten to a name
    assert publish["notebook_task"]["warehouse_id"] == "reporting-warehouse"
    cluster = json.loads((out / "clusters/etl-cluster.json").read_text())
    assert cluster["policy_id"] == "etl-policy"
    assert not {"cluster_id", "state", "start_time", "creator_user_name"} & set(cluster)
    warehouse = json.loads((out / "warehouses/reporting-warehouse.json").read_text())
    assert not {"id", "jdbc_url", "state", "odbc_params"} & set(warehouse)
    scope = json.loads((out / "secret_scopes/etl.json").read_text())
    assert scope["keys"] == ["api-token", "db-password"]
    assert scope["acls"]["data-engineers"] == "READ"
    acl = json.loads((out / "permissions/jobs/etl_pipeline.json").read_text())
    assert acl == {
        "acl": {"group_name:data-engineers": "CAN_MANAGE_RUN"},
        "object_id": "etl_pipeline",
        "object_type": "jobs",
    }
    text = (out / "jobs/etl_pipeline.json").read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_two_exports_of_the_same_configuration_are_byte_identical(
    config_file: Path, tmp_path: Path, standby: Any
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert standby("config", "export", "--site", "primary", "--out", one).code == 0
    assert standby("config", "export", "--site", "primary", "--out", two).code == 0
    assert files(one) == files(two)


def test_a_second_export_removes_what_is_gone_and_keeps_git(
    config_file: Path, primary: RunningSandbox, tmp_path: Path, standby: Any
) -> None:
    out = tmp_path / "snap"
    (out / ".git").mkdir(parents=True)
    assert standby("config", "export", "--site", "primary", "--out", out).code == 0
    w = primary.client()
    job = next(j for j in w.jobs.list() if j.settings and j.settings.name == "nightly_report")
    w.jobs.delete(job.job_id)
    assert standby("config", "export", "--site", "primary", "--out", out).code == 0
    assert not (out / "jobs/nightly_report.json").exists()
    assert not (out / "permissions/jobs/nightly_report.json").exists()
    assert (out / "jobs/etl_pipeline.json").exists() and (out / ".git").is_dir()


def test_export_refuses_a_directory_that_is_not_a_snapshot(
    config_file: Path, tmp_path: Path, standby: Any
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    run = standby("config", "export", "--site", "primary", "--out", tmp_path)
    assert run.code == 2 and "not part of a snapshot" in run.err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_export_of_some_kinds_lists_what_they_reference(
    config_file: Path, tmp_path: Path, standby: Any
) -> None:
    out = tmp_path / "snap"
    run = standby(
        "--json", "config", "export", "--site", "primary", "--out", out, "--kinds", "jobs"
    )
    assert run.code == 0, run.err
    assert run.json()["kinds"] == ["jobs"]
    assert sorted(files(out)) == ["jobs/etl_pipeline.json", "jobs/nightly_report.json"]
    report = json.loads((out / "jobs/nightly_report.json").read_text())
    assert report["tasks"][0]["existing_cluster_id"] == "reporting-cluster"
