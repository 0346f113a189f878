"""Jobs deployed by Databricks Asset Bundles belong to their bundle: `config sync` leaves
them alone on both sides (no create, update or prune), says so, and syncs them only with
`--include-bundle-jobs`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs
from tests.workspace.test_sync import job

from standby.sandbox import RunningSandbox


def deploy(w: WorkspaceClient, name: str, *, workers: int = 1) -> int:
    """A job as `databricks bundle deploy` leaves it: deployment kind BUNDLE, UI locked."""
    body = {
        "name": name,
        "deployment": {"kind": "BUNDLE", "metadata_file_path": f"/Workspace/.bundle/{name}"},
        "edit_mode": "UI_LOCKED",
        "max_concurrent_runs": workers,
        "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/Shared/etl/ingest"}}],
    }
    return int(w.api_client.do("POST", "/api/2.2/jobs/create", body=body)["job_id"])


def names(w: WorkspaceClient) -> set[str]:
    return {str(j.settings.name) for j in w.jobs.list() if j.settings}


def test_sync_leaves_bundle_jobs_to_their_bundle_and_says_so(
    config_file: Path, primary: RunningSandbox, dr: RunningSandbox, secret_env: Any, standby: Any
) -> None:
    deploy(primary.client(), "bundle_etl")
    deploy(primary.client(), "shared_bundle_job", workers=2)
    deploy(dr.client(), "shared_bundle_job", workers=5)  # the DR's own deployment of it
    deploy(dr.client(), "dr_only_bundle_job")

    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr", "--prune")
    assert run.code == 0, run.err
    doc = run.json()
    assert doc["left_alone"] == [
        "jobs/bundle_etl",
        "jobs/dr_only_bundle_job",
        "jobs/shared_bundle_job",
    ]
    touched = {a["name"] for a in doc["actions"]}
    assert not touched & {"bundle_etl", "shared_bundle_job", "dr_only_bundle_job"}
    assert not any("bundle" in name for name in touched)  # permissions/jobs/... too
    d = dr.client()
    assert names(d) == {"etl_pipeline", "nightly_report", "shared_bundle_job", "dr_only_bundle_job"}
    assert job(d, "shared_bundle_job").settings.max_concurrent_runs == 5

    only = standby("--json", "config", "sync", "--from", "primary", "--to", "dr", "--kinds",
                   "permissions", "--prune")  # fmt: skip
    assert only.code == 0, only.err
    assert {"jobs/dr_only_bundle_job", "jobs/shared_bundle_job"} <= set(only.json()["left_alone"])
    assert not [a for a in only.json()["actions"] if "bundle" in a["name"]]

    again = standby("config", "sync", "--from", "primary", "--to", "dr")
    assert again.code == 0 and "left alone: jobs/bundle_etl" in again.out
    assert "Asset Bundles" in again.out and "--include-bundle-jobs" in again.out
    diff = standby("config", "diff", "primary", "dr")
    assert diff.code == 1 and "jobs/bundle_etl: deployed by a Databricks Asset Bundle" in diff.out

    run = standby(
        "--json", "config", "sync", "--from", "primary", "--to", "dr", "--include-bundle-jobs"
    )
    assert run.code == 0, run.err
    assert run.json()["left_alone"] == []
    assert "bundle_etl" in names(d)
    copied = job(d, "bundle_etl").settings
    assert copied.deployment.kind == jobs.JobDeploymentKind.BUNDLE
    assert job(d, "shared_bundle_job").settings.max_concurrent_runs == 2
