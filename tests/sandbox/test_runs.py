"""Job runs: lifecycle over time, FAILED naming what the workspace lacks, list, cancel."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service import compute, jobs, workspace

from standby.sandbox import RunningSandbox, start
from tests.sandbox.conftest import FakeClock, wait_run

NOTEBOOK = "/Shared/etl/ingest"


def add_notebook(w: WorkspaceClient, path: str = NOTEBOOK) -> None:
    w.workspace.mkdirs(path.rsplit("/", 1)[0])
    w.workspace.import_(
        path,
        content=base64.b64encode(b"# Databricks notebook source\nprint(1)\n").decode(),
        format=workspace.ImportFormat.SOURCE,
        language=workspace.Language.PYTHON,
    )


def notebook_job(w: WorkspaceClient, path: str = NOTEBOOK, **task: object) -> int:
    spec = jobs.Task(task_key="ingest", notebook_task=jobs.NotebookTask(notebook_path=path), **task)
    return int(w.jobs.create(name="job", tasks=[spec]).job_id or 0)


@pytest.fixture
def clocked() -> Iterator[tuple[RunningSandbox, FakeClock]]:
    clock = FakeClock()
    sb = start(name="clocked", step_seconds=10, clock=clock)
    try:
        yield sb, clock
    finally:
        sb.stop()


def test_run_moves_pending_running_terminated_with_time(
    clocked: tuple[RunningSandbox, FakeClock],
) -> None:
    sb, clock = clocked
    w = sb.client()
    add_notebook(w)
    run_id = w.jobs.run_now(notebook_job(w)).run_id
    seen = []
    for _ in range(3):
        state = w.jobs.get_run(run_id).state
        assert state is not None
        seen.append((state.life_cycle_state, state.result_state))
        clock.advance(10)
    assert seen == [
        (jobs.RunLifeCycleState.PENDING, None),
        (jobs.RunLifeCycleState.RUNNING, None),
        (jobs.RunLifeCycleState.TERMINATED, jobs.RunResultState.SUCCESS),
    ]
    run = w.jobs.get_run(run_id)
    assert run.end_time == run.start_time + 20_000
    assert run.tasks and run.tasks[0].state and run.tasks[0].state.result_state.value == "SUCCESS"


def test_sdk_waiter_sees_the_run_finish(w: WorkspaceClient) -> None:
    add_notebook(w)
    run = w.jobs.run_now(notebook_job(w)).result(timeout=timedelta(seconds=30))
    assert run.state is not None and run.state.result_state == jobs.RunResultState.SUCCESS
    assert run.status is not None and run.status.state == jobs.RunLifecycleStateV2State.TERMINATED


def test_run_fails_naming_the_missing_notebook(w: WorkspaceClient) -> None:
    run = wait_run(w, w.jobs.run_now(notebook_job(w, "/Shared/etl/missing")).run_id)
    assert run.state is not None
    assert run.state.result_state == jobs.RunResultState.FAILED
    assert "notebook /Shared/etl/missing does not exist" in (run.state.state_message or "")
    assert run.status and run.status.termination_details
    assert run.status.termination_details.code == jobs.TerminationCodeCode.RESOURCE_NOT_FOUND
    output = w.jobs.get_run_output(run.run_id)
    assert "/Shared/etl/missing" in (output.error or "")


def test_run_fails_naming_the_missing_cluster_policy(w: WorkspaceClient) -> None:
    add_notebook(w)
    cluster = compute.ClusterSpec(spark_version="14.3.x-scala2.12", num_workers=1, policy_id="ABC")
    job_id = w.jobs.create(
        name="with-policy",
        job_clusters=[jobs.JobCluster(job_cluster_key="c", new_cluster=cluster)],
        tasks=[
            jobs.Task(
                task_key="ingest",
                job_cluster_key="c",
                notebook_task=jobs.NotebookTask(notebook_path=NOTEBOOK),
            ),
            jobs.Task(
                task_key="after",
                depends_on=[jobs.TaskDependency("ingest")],
                notebook_task=jobs.NotebookTask(notebook_path=NOTEBOOK),
            ),
        ],
    ).job_id
    run = wait_run(w, w.jobs.run_now(job_id).run_id)
    assert run.state and run.state.result_state == jobs.RunResultState.FAILED
    assert "cluster policy ABC does not exist in this workspace" in (run.state.state_message or "")
    results = {t.task_key: t.state.result_state for t in run.tasks or [] if t.state}
    assert results == {
        "ingest": jobs.RunResultState.FAILED,
        "after": jobs.RunResultState.UPSTREAM_FAILED,
    }


@pytest.mark.parametrize(
    "task, missing",
    [
        ({"existing_cluster_id": "0101-000000-nope"}, "cluster 0101-000000-nope"),
        (
            {
                "new_cluster": compute.ClusterSpec(
                    spark_version="14.3.x-scala2.12", instance_pool_id="pool-x", num_workers=1
                )
            },
            "instance pool pool-x",
        ),
    ],
)
def test_run_fails_naming_a_missing_cluster_or_pool(
    w: WorkspaceClient, task: dict[str, object], missing: str
) -> None:
    add_notebook(w)
    run = wait_run(w, w.jobs.run_now(notebook_job(w, **task)).run_id)
    assert run.state and run.state.result_state == jobs.RunResultState.FAILED
    assert missing in (run.state.state_message or "")


def test_run_fails_naming_a_missing_warehouse(w: WorkspaceClient) -> None:
    sql = jobs.SqlTask(warehouse_id="feedbeef", query=jobs.SqlTaskQuery(query_id="q"))
    job_id = w.jobs.create(name="sql", tasks=[jobs.Task(task_key="q", sql_task=sql)]).job_id
    run = wait_run(w, w.jobs.run_now(job_id).run_id)
    assert "SQL warehouse feedbeef does not exist" in (run.state.state_message or "")


def test_run_succeeds_once_the_objects_exist(w: WorkspaceClient) -> None:
    cluster_id = w.clusters.create(spark_version="14.3.x-scala2.12", num_workers=1).cluster_id
    job_id = notebook_job(w, existing_cluster_id=cluster_id)
    failed = wait_run(w, w.jobs.run_now(job_id).run_id)
    assert failed.state and failed.state.result_state == jobs.RunResultState.FAILED
    add_notebook(w)
    ok = wait_run(w, w.jobs.run_now(job_id).run_id)
    assert ok.state and ok.state.result_state == jobs.RunResultState.SUCCESS
    assert ok.number_in_job == 2


def test_list_runs_pages_newest_first_and_filters(
    clocked: tuple[RunningSandbox, FakeClock],
) -> None:
    sb, clock = clocked
    w = sb.client()
    add_notebook(w)
    job_a, job_b = notebook_job(w), notebook_job(w)
    ids = []
    for _ in range(30):
        ids.append(w.jobs.run_now(job_a).run_id)
        clock.advance(1)
    other = w.jobs.run_now(job_b).run_id
    listed = [r.run_id for r in w.jobs.list_runs(job_id=job_a, limit=25)]
    assert listed == ids[::-1]
    raw = w.api_client.do("GET", "/api/2.2/jobs/runs/list", query={"job_id": job_a})
    assert len(raw["runs"]) == 20 and raw["has_more"]
    active = {r.run_id for r in w.jobs.list_runs(active_only=True)}
    clock.advance(100)
    assert other in active and not list(w.jobs.list_runs(active_only=True))
    assert len(list(w.jobs.list_runs(completed_only=True))) == 31


def test_cancel_and_cancel_all(clocked: tuple[RunningSandbox, FakeClock]) -> None:
    sb, _ = clocked
    w = sb.client()
    add_notebook(w)
    job_id = notebook_job(w)
    first, second = w.jobs.run_now(job_id).run_id, w.jobs.run_now(job_id).run_id
    w.jobs.cancel_run(first)
    state = w.jobs.get_run(first).state
    assert state and state.result_state == jobs.RunResultState.CANCELED
    assert state.user_cancelled_or_timedout
    w.jobs.cancel_all_runs(job_id=job_id)
    state = w.jobs.get_run(second).state
    assert state and state.result_state == jobs.RunResultState.CANCELED


def test_unknown_runs_and_jobs_are_errors(w: WorkspaceClient) -> None:
    with pytest.raises(NotFound, match="Run 42 does not exist"):
        w.jobs.get_run(42)
    with pytest.raises(InvalidParameterValue, match="Job 7 does not exist"):
        w.jobs.run_now(7)
    with pytest.raises(InvalidParameterValue, match="limit"):
        list(w.jobs.list_runs(limit=26))


def test_idempotency_token_starts_one_run(w: WorkspaceClient) -> None:
    add_notebook(w)
    job_id = notebook_job(w)
    first = w.jobs.run_now(job_id, idempotency_token="once").run_id
    assert w.jobs.run_now(job_id, idempotency_token="once").run_id == first
    assert len(list(w.jobs.list_runs(job_id=job_id))) == 1


def test_submit_runs_a_one_time_job(w: WorkspaceClient) -> None:
    add_notebook(w)
    task = jobs.SubmitTask(task_key="t", notebook_task=jobs.NotebookTask(notebook_path=NOTEBOOK))
    run = wait_run(w, w.jobs.submit(run_name="adhoc", tasks=[task]).run_id)
    assert run.run_type == jobs.RunType.SUBMIT_RUN
    assert run.state and run.state.result_state == jobs.RunResultState.SUCCESS
