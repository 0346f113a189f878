"""`config sync` between two sandboxes through databricks-sdk: a seeded primary into an
empty DR workspace, then drift, references, pause state, dry-run and prune."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs
from tests.workspace.conftest import files, wait_run

from standby.config import Config
from standby.sandbox import RunningSandbox
from standby.workspace.kinds.jobs import PAUSE_TAG


def job(w: WorkspaceClient, name: str) -> jobs.Job:
    found = [j for j in w.jobs.list() if j.settings and j.settings.name == name]
    assert len(found) == 1, f"{len(found)} jobs named {name}"
    return w.jobs.get(found[0].job_id)


def test_synced_workspace_exports_equal_to_its_primary(
    config_file: Path, secret_env: dict[str, str], tmp_path: Path, standby: Any
) -> None:
    """Acceptance 1: export, sync into an empty workspace, export it: equal after mapping."""
    a, b = tmp_path / "primary", tmp_path / "dr"
    assert standby("config", "export", "--site", "primary", "--out", a).code == 0
    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 0, run.err
    counts = run.json()["counts"]
    assert counts["create"] == sum(json.loads((a / "manifest.json").read_text())["counts"].values())
    assert standby("config", "export", "--site", "dr", "--out", b).code == 0
    diff = standby("--json", "config", "diff", a, b)
    assert diff.code == 0, diff.out
    assert diff.json()["equal"] is True
    live = standby("config", "diff", "primary", "dr")
    assert live.code == 0 and "no differences" in live.out
    # Site-specific values differ on disk, as mapped: the DR lake, the paused jobs.
    table = json.loads((b / "tables/production.sales.customers.json").read_text())
    assert table["storage_location"] == "s3://dr-lake/sales/customers"
    assert json.loads((b / "external_locations/prod-lake.json").read_text())["url"] == (
        "s3://dr-lake"
    )


def test_one_changed_field_is_diffed_and_synced_alone(
    config_file: Path, primary: RunningSandbox, secret_env: dict[str, str], standby: Any
) -> None:
    """Acceptance 2: one field of one job changes; diff names it, sync updates only it."""
    assert standby("config", "sync", "--from", "primary", "--to", "dr").code == 0
    w = primary.client()
    etl = job(w, "etl_pipeline")
    w.jobs.update(etl.job_id, new_settings=jobs.JobSettings(max_concurrent_runs=3))

    diff = standby("--json", "config", "diff", "primary", "dr")
    assert diff.code == 1
    objects = diff.json()["objects"]
    assert [(o["kind"], o["name"], o["status"]) for o in objects] == [
        ("jobs", "etl_pipeline", "changed")
    ]
    assert objects[0]["fields"] == [{"path": "max_concurrent_runs", "old": 3, "new": 1}]

    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 0, run.err
    changed = [a for a in run.json()["actions"] if a["op"] != "unchanged"]
    assert [(a["op"], a["kind"], a["name"], a["status"]) for a in changed] == [
        ("update", "jobs", "etl_pipeline", "done")
    ]
    assert [f["path"] for f in changed[0]["fields"]] == ["max_concurrent_runs"]

    again = standby("config", "sync", "--from", "primary", "--to", "dr")
    assert again.code == 0 and "no changes" in again.out
    assert standby("config", "diff", "primary", "dr").code == 0


def build_multi_task_job(w: WorkspaceClient) -> None:
    """On the primary: a pool, a policy, a cluster on both, a warehouse, notebooks, and a job
    with a job cluster, an existing cluster, a SQL task, a notebook task and a run-job task."""
    pool = w.instance_pools.create("etl-pool", "i3.xlarge", min_idle_instances=1)
    policy = w.cluster_policies.create(
        name="pool-policy", definition='{"x": {"type": "unlimited"}}'
    )
    cluster = w.api_client.do(
        "POST",
        "/api/2.1/clusters/create",
        body={
            "cluster_name": "pooled-cluster",
            "spark_version": "14.3.x-scala2.12",
            "instance_pool_id": pool.instance_pool_id,
            "policy_id": policy.policy_id,
            "num_workers": 2,
            "aws_attributes": {"zone_id": "us-east-1a"},
        },
    )["cluster_id"]
    warehouse = w.warehouses.create(name="sql-warehouse", cluster_size="Small").response.id
    spec = {
        "spark_version": "14.3.x-scala2.12",
        "instance_pool_id": pool.instance_pool_id,
        "driver_instance_pool_id": pool.instance_pool_id,
        "policy_id": policy.policy_id,
        "num_workers": 4,
    }
    child = w.api_client.do(
        "POST",
        "/api/2.2/jobs/create",
        body={"name": "child", "tasks": [{"task_key": "t", "existing_cluster_id": cluster}]},
    )["job_id"]
    w.api_client.do(
        "POST",
        "/api/2.2/jobs/create",
        body={
            "name": "multi",
            "job_clusters": [{"job_cluster_key": "shared", "new_cluster": spec}],
            "tasks": [
                {
                    "task_key": "ingest",
                    "job_cluster_key": "shared",
                    "notebook_task": {"notebook_path": "/Shared/etl/ingest"},
                },
                {
                    "task_key": "enrich",
                    "depends_on": [{"task_key": "ingest"}],
                    "existing_cluster_id": cluster,
                    "notebook_task": {"notebook_path": "/Workspace/Shared/etl/transform"},
                },
                {
                    "task_key": "report",
                    "depends_on": [{"task_key": "enrich"}],
                    "sql_task": {"query": {"query_id": "q-1"}, "warehouse_id": warehouse},
                },
                {"task_key": "next", "run_job_task": {"job_id": child}},
                {
                    "task_key": "adhoc",
                    "new_cluster": {**spec, "num_workers": 1},
                    "spark_python_task": {"python_file": "dbfs:/x.py"},
                },
            ],
        },
    )


def test_every_reference_points_at_the_dr_object_of_the_same_name(
    config_file: Path, primary: RunningSandbox, dr: RunningSandbox, secret_env: Any, standby: Any
) -> None:
    """Acceptance 3: pools, policies, clusters, warehouses, notebooks, jobs: DR ids; it runs."""
    build_multi_task_job(primary.client())
    run = standby("config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 0, run.err + run.out
    w = dr.client()
    pools = {p.instance_pool_name: p.instance_pool_id for p in w.instance_pools.list()}
    policies = {p.name: p.policy_id for p in w.cluster_policies.list()}
    clusters = {c.cluster_name: c.cluster_id for c in w.clusters.list()}
    warehouses = {h.name: h.id for h in w.warehouses.list()}
    settings = job(w, "multi").settings
    assert settings is not None and settings.tasks and settings.job_clusters
    shared = settings.job_clusters[0].new_cluster
    assert shared.instance_pool_id == pools["etl-pool"]
    assert shared.driver_instance_pool_id == pools["etl-pool"]
    assert shared.policy_id == policies["pool-policy"]
    tasks = {t.task_key: t for t in settings.tasks}
    assert tasks["enrich"].existing_cluster_id == clusters["pooled-cluster"]
    assert tasks["enrich"].notebook_task.notebook_path == "/Workspace/Shared/etl/transform"
    assert tasks["report"].sql_task.warehouse_id == warehouses["sql-warehouse"]
    assert tasks["next"].run_job_task.job_id == job(w, "child").job_id
    assert tasks["adhoc"].new_cluster.instance_pool_id == pools["etl-pool"]
    pooled = w.clusters.get(clusters["pooled-cluster"])
    assert pooled.policy_id == policies["pool-policy"]
    assert pooled.instance_pool_id == pools["etl-pool"]
    assert pooled.aws_attributes.zone_id == "us-west-2a"  # the mapping rule
    # None of the primary's ids leaked into DR.
    primary_ids = {p.instance_pool_id for p in primary.client().instance_pools.list()}
    assert not primary_ids & set(pools.values())

    for name in ("multi", "nightly_report"):
        run_id = w.jobs.run_now(job(w, name).job_id).run_id
        result = wait_run(w, run_id)
        assert result.state.result_state == jobs.RunResultState.SUCCESS, result.state


def test_jobs_arrive_paused_with_the_primarys_state_in_a_tag(
    config_file: Path, primary: RunningSandbox, dr: RunningSandbox, secret_env: Any, standby: Any
) -> None:
    w = primary.client()
    report = job(w, "nightly_report")
    schedule = report.settings.schedule
    schedule.pause_status = jobs.PauseStatus.PAUSED
    w.jobs.update(report.job_id, new_settings=jobs.JobSettings(schedule=schedule))
    assert standby("config", "sync", "--from", "primary", "--to", "dr").code == 0
    d = dr.client()
    for name, on_primary in (("etl_pipeline", "UNPAUSED"), ("nightly_report", "PAUSED")):
        settings = job(d, name).settings
        assert settings.schedule.pause_status == jobs.PauseStatus.PAUSED
        assert settings.tags[PAUSE_TAG] == on_primary
    assert standby("config", "diff", "primary", "dr").code == 0


def test_dry_run_prints_the_plan_and_changes_nothing(
    config_file: Path, secret_env: Any, tmp_path: Path, standby: Any
) -> None:
    """Acceptance 6: the target's export before and after a dry run is identical."""
    for attempt in ("empty", "synced"):
        before, after = tmp_path / f"{attempt}-before", tmp_path / f"{attempt}-after"
        assert standby("config", "export", "--site", "dr", "--out", before).code == 0
        run = standby("config", "sync", "--from", "primary", "--to", "dr", "--dry-run", "--prune")
        assert run.code == 0, run.err
        assert "dry run: nothing changed" in run.out
        assert standby("config", "export", "--site", "dr", "--out", after).code == 0
        assert files(before) == files(after)
        if attempt == "empty":
            assert "create" in run.out and "etl_pipeline" in run.out
            assert standby("config", "sync", "--from", "primary", "--to", "dr").code == 0


def test_prune_deletes_what_the_primary_no_longer_has(
    config_file: Path, primary: RunningSandbox, dr: RunningSandbox, secret_env: Any, standby: Any
) -> None:
    assert standby("config", "sync", "--from", "primary", "--to", "dr").code == 0
    w = primary.client()
    w.jobs.delete(job(w, "nightly_report").job_id)
    kept = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert kept.code == 0 and not [a for a in kept.json()["actions"] if a["op"] == "delete"]
    assert len(job(dr.client(), "nightly_report").settings.tasks) == 2

    pruned = standby("--json", "config", "sync", "--from", "primary", "--to", "dr", "--prune")
    assert pruned.code == 0, pruned.err
    deleted = [(a["kind"], a["name"]) for a in pruned.json()["actions"] if a["op"] == "delete"]
    assert deleted == [("permissions", "jobs/nightly_report"), ("jobs", "nightly_report")]
    names = {j.settings.name for j in dr.client().jobs.list()}
    assert names == {"etl_pipeline"}


def test_an_unresolvable_reference_fails_its_object_loudly(
    config_file: Path, primary: RunningSandbox, dr: RunningSandbox, secret_env: Any, standby: Any
) -> None:
    w = primary.client()
    w.api_client.do(
        "POST",
        "/api/2.2/jobs/create",
        body={"name": "dangling", "tasks": [{"task_key": "t", "existing_cluster_id": "0923-x"}]},
    )
    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 3
    doc = run.json()
    assert doc["missing"] == ["jobs/dangling"]
    failed = [a for a in doc["actions"] if a["status"] == "failed"]
    assert len(failed) == 1
    assert "tasks[t].existing_cluster_id = '0923-x' names no cluster" in failed[0]["error"]
    assert "jobs/dangling" in run.err
    assert {j.settings.name for j in dr.client().jobs.list()} == {"etl_pipeline", "nightly_report"}


def test_sync_from_a_snapshot_directory(
    config_file: Path,
    config: Config,
    primary: RunningSandbox,
    dr: RunningSandbox,
    secret_env: Any,
    tmp_path: Path,
    standby: Any,
) -> None:
    """A primary that is gone can still be restored from its last export."""
    snap = tmp_path / "snap"
    assert standby("config", "export", "--site", "primary", "--out", snap).code == 0
    primary.go_down()
    run = standby("config", "sync", "--from", snap, "--to", "dr")
    assert run.code == 0, run.err
    value = dr.client().secrets.get_secret("etl", "db-password").value
    key = config.workspace_sync.secrets.env_var("etl", "db-password")
    assert base64.b64decode(value).decode() == secret_env[key]
    assert {j.settings.name for j in dr.client().jobs.list()} == {"etl_pipeline", "nightly_report"}


def test_diff_both_ways_reports_the_same_objects_and_a_running_standby_job(
    config_file: Path, dr: RunningSandbox, secret_env: Any, standby: Any
) -> None:
    """The primary's external location is `s3://prod-lake/`, the synced one `s3://dr-lake`:
    one place, two spellings. An unpaused DR job shows as such, both ways."""
    assert standby("config", "sync", "--from", "primary", "--to", "dr").code == 0
    assert standby("config", "diff", "primary", "dr").code == 0
    back = standby("config", "diff", "dr", "primary")
    assert back.code == 0, back.out
    d = dr.client()
    etl = job(d, "etl_pipeline")
    schedule = etl.settings.schedule
    schedule.pause_status = jobs.PauseStatus.UNPAUSED
    d.jobs.update(etl.job_id, new_settings=jobs.JobSettings(schedule=schedule))

    forth = standby("--json", "config", "diff", "primary", "dr")
    back = standby("--json", "config", "diff", "dr", "primary")
    assert forth.code == back.code == 1
    for run, old, new in ((forth, None, "UNPAUSED"), (back, "UNPAUSED", None)):
        (changed,) = run.json()["objects"]
        assert (changed["kind"], changed["name"]) == ("jobs", "etl_pipeline")
        assert changed["fields"] == [{"path": "schedule.pause_status", "old": old, "new": new}]
        assert "jobs/etl_pipeline: its schedule is UNPAUSED on dr" in run.json()["notes"][0]
    shown = standby("config", "diff", "primary", "dr")
    assert "schedule.pause_status" in shown.out and "where a standby job stays PAUSED" in shown.out
