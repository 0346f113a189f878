"""Seeds: the API documentation's examples round-trip; the demo workspace is complete."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service import jobs

from standby.errors import BadInput
from standby.sandbox import start
from standby.sandbox.examples import CLUSTER_EXAMPLES, JOB_EXAMPLES, WAREHOUSE_EXAMPLES
from standby.sandbox.seed import DEMO_TABLES, apply_seed, seed_docs
from tests.sandbox.conftest import STEP, wait_run


def assert_contains(given: Any, got: Any, where: str = "") -> None:
    """Everything `given` says is in `got` (server-set fields may be added)."""
    if isinstance(given, dict):
        assert isinstance(got, dict), where
        for key, value in given.items():
            assert key in got, f"{where}.{key} missing"
            assert_contains(value, got[key], f"{where}.{key}")
    elif isinstance(given, list):
        assert isinstance(got, list) and len(got) == len(given), where
        for i, (a, b) in enumerate(zip(given, got, strict=True)):
            assert_contains(a, b, f"{where}[{i}]")
    else:
        assert given == got, f"{where}: {given!r} != {got!r}"


def test_documentation_examples_round_trip(w: WorkspaceClient) -> None:
    seeded = seed_docs(w)
    for example in JOB_EXAMPLES:
        body = copy.deepcopy(example)
        acl = body.pop("access_control_list", [])
        job = w.jobs.get(seeded.jobs[body["name"]])
        assert job.settings is not None
        assert_contains(body, job.settings.as_dict(), body["name"])
        if acl:
            perms = w.jobs.get_permissions(str(job.job_id)).access_control_list or []
            shown = {
                (a.user_name or a.group_name, a.all_permissions[0].permission_level.value)
                for a in perms
                if a.all_permissions and not a.all_permissions[0].inherited
            }
            assert {
                (e.get("user_name") or e.get("group_name"), e["permission_level"]) for e in acl
            } <= shown
    for example in CLUSTER_EXAMPLES:
        got = w.clusters.get(seeded.clusters[example["cluster_name"]]).as_dict()
        assert_contains(example, got, example["cluster_name"])
    for example in WAREHOUSE_EXAMPLES:
        got = w.warehouses.get(seeded.warehouses[example["name"]]).as_dict()
        assert_contains(example, got, example["name"])


def test_demo_seed_holds_the_guides_objects(tmp_path: Path) -> None:
    locations = {name: str(tmp_path / "lake" / name.replace(".", "/")) for name in DEMO_TABLES}
    primary = start(name="primary", seed="demo", table_locations=locations, step_seconds=STEP)
    try:
        w = primary.client()
        by_name = {j.settings.name: j for j in w.jobs.list(expand_tasks=True) if j.settings}
        assert set(by_name) == {"etl_pipeline", "nightly_report"}
        for job in by_name.values():
            assert job.settings and job.settings.schedule
            assert job.settings.schedule.pause_status == jobs.PauseStatus.UNPAUSED
        assert {c.cluster_name for c in w.clusters.list()} == {"etl-cluster", "reporting-cluster"}
        assert [p.name for p in w.cluster_policies.list()] == ["etl-policy"]
        assert len(list(w.warehouses.list())) == 2
        assert {s.name for s in w.secrets.list_scopes()} == {"etl", "reporting"}
        assert {c.name for c in w.catalogs.list()} == {"production", "backup"}
        for cat in ("production", "backup"):
            assert {s.name for s in w.schemas.list(cat)} >= {"sales", "inventory"}
        for name, location in locations.items():
            table = w.tables.get(name)
            assert table.storage_location == location and table.columns
        for job in by_name.values():
            run = wait_run(w, w.jobs.run_now(job.job_id).run_id)
            assert run.state and run.state.result_state == jobs.RunResultState.SUCCESS
    finally:
        primary.stop()


def test_an_incomplete_dr_copy_fails_its_runs_naming_what_is_missing() -> None:
    primary = start(name="primary", seed="demo", step_seconds=STEP)
    dr = start(name="dr", step_seconds=STEP)
    try:
        wp, wd = primary.client(), dr.client()
        etl = next(j for j in wp.jobs.list(name="etl_pipeline"))
        settings = wp.jobs.get(etl.job_id).settings
        assert settings is not None
        copied = wd.api_client.do("POST", "/api/2.2/jobs/create", body=settings.as_dict())
        run = wait_run(wd, wd.jobs.run_now(copied["job_id"]).run_id)
        message = run.state.state_message if run.state else ""
        assert run.state and run.state.result_state == jobs.RunResultState.FAILED
        assert "cluster policy" in message and "notebook /Shared/etl/ingest" in message
    finally:
        primary.stop()
        dr.stop()


def test_a_restarted_sandbox_is_not_seeded_twice(tmp_path: Path) -> None:
    state = tmp_path / "demo.json"
    start(name="demo", state_path=state, seed="demo").stop()
    again = start(name="demo", state_path=state, seed="demo")
    try:
        assert len(list(again.client().jobs.list())) == 2
    finally:
        again.stop()


def test_unknown_seed_is_bad_input(w: WorkspaceClient) -> None:
    with pytest.raises(BadInput, match="Unknown seed"):
        apply_seed(w, "nope")
