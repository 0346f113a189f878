"""Jobs API 2.2 through the SDK: CRUD, pagination, partial update vs reset, errors."""

from __future__ import annotations

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service import jobs


def notebook_task(key: str, path: str = "/Shared/nb", **kw: object) -> jobs.Task:
    return jobs.Task(task_key=key, notebook_task=jobs.NotebookTask(notebook_path=path), **kw)


def test_create_get_returns_the_settings_and_server_fields(w: WorkspaceClient) -> None:
    created = w.jobs.create(
        name="etl",
        tasks=[notebook_task("a"), notebook_task("b", depends_on=[jobs.TaskDependency("a")])],
        schedule=jobs.CronSchedule(
            quartz_cron_expression="0 0 * * * ?",
            timezone_id="UTC",
            pause_status=jobs.PauseStatus.PAUSED,
        ),
        tags={"team": "data"},
    )
    job = w.jobs.get(created.job_id)
    assert job.job_id == created.job_id
    assert job.creator_user_name == w.current_user.me().user_name
    assert job.created_time and job.created_time > 0
    assert job.settings is not None and job.settings.name == "etl"
    assert [t.task_key for t in job.settings.tasks or []] == ["a", "b"]
    assert job.settings.schedule is not None
    assert job.settings.schedule.pause_status == jobs.PauseStatus.PAUSED
    assert job.settings.tags == {"team": "data"}
    assert job.settings.max_concurrent_runs == 1  # the service's default


def test_list_paginates_over_more_jobs_than_one_page(w: WorkspaceClient) -> None:
    ids = [w.jobs.create(name=f"job-{i:02d}").job_id for i in range(45)]
    assert [j.job_id for j in w.jobs.list(limit=20)] == ids
    first = w.api_client.do("GET", "/api/2.2/jobs/list", query={"limit": 20})
    assert len(first["jobs"]) == 20 and first["has_more"] and first["next_page_token"]
    last = w.api_client.do(
        "GET", "/api/2.2/jobs/list", query={"limit": 20, "page_token": "b2Zmc2V0OjQw"}
    )
    assert len(last["jobs"]) == 5 and not last["has_more"] and "next_page_token" not in last


def test_list_filters_by_name_case_insensitively_and_expands_tasks(w: WorkspaceClient) -> None:
    w.jobs.create(name="Nightly", tasks=[notebook_task("t")])
    w.jobs.create(name="other")
    found = list(w.jobs.list(name="nightly"))
    assert [j.settings.name for j in found if j.settings] == ["Nightly"]
    assert found[0].settings is not None and not found[0].settings.tasks
    expanded = list(w.jobs.list(name="NIGHTLY", expand_tasks=True))
    assert expanded[0].settings is not None
    assert [t.task_key for t in expanded[0].settings.tasks or []] == ["t"]


def test_get_pages_through_more_than_100_tasks(w: WorkspaceClient) -> None:
    tasks = [notebook_task(f"t{i:03d}") for i in range(150)]
    job_id = w.jobs.create(name="wide", tasks=tasks).job_id
    raw = w.api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": job_id})
    assert len(raw["settings"]["tasks"]) == 100 and raw["next_page_token"]
    job = w.jobs.get(job_id)  # the SDK follows next_page_token
    assert [t.task_key for t in job.settings.tasks or []] == [t.task_key for t in tasks]


def test_update_is_partial_and_reset_replaces_everything(w: WorkspaceClient) -> None:
    job_id = w.jobs.create(
        name="j",
        tasks=[notebook_task("a"), notebook_task("b")],
        tags={"team": "data"},
        timeout_seconds=600,
    ).job_id
    w.jobs.update(
        job_id,
        new_settings=jobs.JobSettings(
            name="renamed", tasks=[notebook_task("b", path="/Shared/new"), notebook_task("c")]
        ),
        fields_to_remove=["tags", "tasks/a"],
    )
    settings = w.jobs.get(job_id).settings
    assert settings is not None
    assert settings.name == "renamed"
    assert settings.timeout_seconds == 600  # untouched by a partial update
    assert settings.tags is None
    assert [(t.task_key, t.notebook_task.notebook_path) for t in settings.tasks or []] == [
        ("b", "/Shared/new"),
        ("c", "/Shared/nb"),
    ]

    w.jobs.reset(job_id, new_settings=jobs.JobSettings(name="reset", tasks=[notebook_task("z")]))
    settings = w.jobs.get(job_id).settings
    assert settings is not None
    assert settings.name == "reset"
    assert settings.timeout_seconds == 0  # back to the default
    assert [t.task_key for t in settings.tasks or []] == ["z"]


def test_delete_then_get_is_not_found(w: WorkspaceClient) -> None:
    job_id = w.jobs.create(name="gone").job_id
    w.jobs.delete(job_id)
    with pytest.raises(NotFound, match=f"Job {job_id} does not exist"):
        w.jobs.get(job_id)
    with pytest.raises(InvalidParameterValue, match="does not exist"):  # as the real API: 400
        w.jobs.delete(job_id)
    assert list(w.jobs.list()) == []


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"tasks": [notebook_task("a"), notebook_task("a")]}, "unique"),
        ({"tasks": [notebook_task("a", depends_on=[jobs.TaskDependency("x")])]}, "depends on"),
        ({"tasks": [jobs.Task(task_key="a", job_cluster_key="nope")]}, "job cluster"),
        (
            {
                "schedule": jobs.CronSchedule(
                    quartz_cron_expression="0 0 * * * ?", timezone_id="UTC"
                ),
                "continuous": jobs.Continuous(pause_status=jobs.PauseStatus.UNPAUSED),
            },
            "Only one of",
        ),
        ({"max_concurrent_runs": 5000}, "max_concurrent_runs"),
    ],
)
def test_invalid_settings_are_refused(
    w: WorkspaceClient, settings: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        w.jobs.create(name="bad", **settings)  # type: ignore[arg-type]
    assert list(w.jobs.list()) == []


def test_invalid_list_limit_and_page_token(w: WorkspaceClient) -> None:
    with pytest.raises(InvalidParameterValue, match="limit"):
        list(w.jobs.list(limit=101))
    with pytest.raises(InvalidParameterValue, match="page_token"):
        list(w.jobs.list(page_token="garbage!"))


def test_partial_update_cannot_remove_a_missing_task(w: WorkspaceClient) -> None:
    job_id = w.jobs.create(name="j", tasks=[notebook_task("a")]).job_id
    with pytest.raises(InvalidParameterValue, match="tasks/x"):
        w.jobs.update(job_id, fields_to_remove=["tasks/x"])
