"""Jobs API 2.2: create, get, list, update (partial), reset, delete.

Settings are parsed with the SDK's `JobSettings` and stored in its `as_dict` shape, so what
`get` answers is what `create` was given, less the fields the API does not know. As in 2.2,
read endpoints show at most 100 tasks / job clusters / parameters / environments per page.
"""

from __future__ import annotations

from typing import Any

from databricks.sdk.service import jobs

from standby.sandbox import permissions
from standby.sandbox.api import (
    ApiError,
    Context,
    Request,
    Router,
    invalid,
    page,
    sdk_shape,
)
from standby.sandbox.state import JOBS

SUB_PAGE = 100  # the 2.2 API's page of tasks, job clusters, parameters and environments
PAGED_ARRAYS = {
    "tasks": "task_key",
    "job_clusters": "job_cluster_key",
    "parameters": "name",
    "environments": "environment_key",
}
MAX_TASKS = 1000


def job_not_found(job_id: int | str) -> ApiError:
    # The real API answers 400 with this text; the SDK maps it to ResourceDoesNotExist.
    return invalid(f"Job {job_id} does not exist.")


def get_record(ctx: Context, job_id: int) -> dict[str, Any]:
    record = ctx.store.collection(JOBS).get(str(job_id))
    if record is None:
        raise job_not_found(job_id)
    return record


def validate(settings: dict[str, Any]) -> None:
    """Reject settings the real service rejects: the drill must not pass what prod refuses."""
    tasks = settings.get("tasks", [])
    if len(tasks) > MAX_TASKS:
        raise invalid(f"A job can have at most {MAX_TASKS} tasks, not {len(tasks)}.")
    cluster_keys = [c.get("job_cluster_key") for c in settings.get("job_clusters", [])]
    if None in cluster_keys or len(set(cluster_keys)) != len(cluster_keys):
        raise invalid("Each job cluster needs a unique job_cluster_key.")
    task_keys = [t.get("task_key") for t in tasks]
    if None in task_keys or "" in task_keys:
        raise invalid("Each task needs a task_key.")
    duplicates = sorted({k for k in task_keys if task_keys.count(k) > 1})
    if duplicates:
        raise invalid(f"Task keys must be unique within a job: {', '.join(duplicates)}.")
    for task in tasks:
        for dep in task.get("depends_on", []):
            if dep.get("task_key") not in task_keys:
                raise invalid(
                    f"Task {task['task_key']} depends on {dep.get('task_key')!r}, "
                    "which is not a task of this job."
                )
        key = task.get("job_cluster_key")
        if key is not None and key not in cluster_keys:
            raise invalid(
                f"Task {task['task_key']} uses job cluster {key!r}, "
                "which is not among the job's job_clusters."
            )
    triggers = [k for k in ("schedule", "continuous", "trigger") if k in settings]
    if len(triggers) > 1:
        raise invalid(f"Only one of schedule, continuous and trigger may be set: {triggers}.")
    schedule = settings.get("schedule")
    if schedule is not None and not (
        schedule.get("quartz_cron_expression") and schedule.get("timezone_id")
    ):
        raise invalid("schedule needs quartz_cron_expression and timezone_id.")
    runs = settings.get("max_concurrent_runs")
    if runs is not None and not 0 <= runs <= 1000:
        raise invalid(f"max_concurrent_runs must be between 0 and 1000, not {runs}.")


def _settings(body: dict[str, Any]) -> dict[str, Any]:
    settings = sdk_shape(jobs.JobSettings, body)
    settings.setdefault("format", "MULTI_TASK")
    settings.setdefault("max_concurrent_runs", 1)
    settings.setdefault("timeout_seconds", 0)
    settings.setdefault("email_notifications", {})
    settings.setdefault("name", "Untitled")
    validate(settings)
    return settings


def create(ctx: Context, req: Request) -> dict[str, Any]:
    settings = _settings(req.body)
    job_id = ctx.store.meta["id_base"] + ctx.store.next_id(JOBS)
    # The ACL first: an invalid one must leave no job behind.
    permissions.replace_acl(ctx, "jobs", str(job_id), req.body.get("access_control_list", []))
    ctx.store.collection(JOBS)[str(job_id)] = {
        "job_id": job_id,
        "creator_user_name": ctx.user_name,
        "run_as_user_name": ctx.user_name,
        "created_time": ctx.now_ms(),
        "settings": settings,
    }
    return {"job_id": job_id}


def get(ctx: Context, req: Request) -> dict[str, Any]:
    record = get_record(ctx, req.need_int("job_id"))
    index = _sub_page_index(req.arg("page_token"))
    settings = dict(record["settings"])
    more = False
    for name in PAGED_ARRAYS:
        items = settings.get(name, [])
        chunk = items[index * SUB_PAGE : (index + 1) * SUB_PAGE]
        more = more or len(items) > (index + 1) * SUB_PAGE
        if chunk:
            settings[name] = chunk
        else:
            settings.pop(name, None)
    answer = {**record, "settings": settings}
    if more:
        answer["next_page_token"] = f"page-{index + 1}"
    return answer


def _sub_page_index(token: str | None) -> int:
    if not token:
        return 0
    prefix, _, number = token.partition("-")
    if prefix != "page" or not number.isdigit():
        raise invalid(f"Invalid page_token: {token!r}")
    return int(number)


def list_jobs(ctx: Context, req: Request) -> dict[str, Any]:
    limit = req.int_arg("limit", 20) or 20
    if not 0 < limit <= 100:
        raise invalid(f"limit must be between 1 and 100, not {limit}.")
    name = req.arg("name")
    expand = req.bool_arg("expand_tasks")
    records = list(ctx.store.collection(JOBS).values())
    if name:
        records = [r for r in records if r["settings"].get("name", "").lower() == name.lower()]
    offset = req.int_arg("offset", 0) or 0
    chunk, token = page(
        records[offset:], token=req.arg("page_token"), limit=limit, default_limit=20
    )
    answer: dict[str, Any] = {"jobs": [_listed(r, expand) for r in chunk], "has_more": bool(token)}
    if token:
        answer["next_page_token"] = token
    return answer


def _listed(record: dict[str, Any], expand: bool) -> dict[str, Any]:
    settings = dict(record["settings"])
    more = False
    for name in ("tasks", "job_clusters"):
        if not expand:
            settings.pop(name, None)
        elif len(settings.get(name, [])) > SUB_PAGE:
            settings[name] = settings[name][:SUB_PAGE]
            more = True
    listed = {k: record[k] for k in ("job_id", "creator_user_name", "created_time")}
    listed["settings"] = settings
    if expand:
        listed["has_more"] = more
    return listed


def update(ctx: Context, req: Request) -> None:
    """Partial update: top-level fields replace, keyed arrays merge, fields_to_remove drops."""
    record = get_record(ctx, req.need_int("job_id"))
    merged = dict(record["settings"])
    given = sdk_shape(jobs.JobSettings, req.body.get("new_settings") or {})
    for field, value in given.items():
        key = PAGED_ARRAYS.get(field)
        merged[field] = _merge_keyed(merged.get(field, []), value, key) if key else value
    for path in req.body.get("fields_to_remove") or []:
        field, _, item = path.partition("/")
        if item and field in PAGED_ARRAYS:
            key = PAGED_ARRAYS[field]
            kept = [e for e in merged.get(field, []) if e.get(key) != item]
            if len(kept) == len(merged.get(field, [])):
                raise invalid(f"Cannot remove {path}: there is no such entry.")
            merged[field] = kept
        elif item:
            raise invalid(f"Removing nested fields is not supported: {path}.")
        else:
            merged.pop(field, None)
    validate(merged)
    record["settings"] = merged


def _merge_keyed(
    current: list[dict[str, Any]], given: list[dict[str, Any]], key: str
) -> list[dict[str, Any]]:
    by_key = {entry.get(key): entry for entry in given}
    merged = [by_key.pop(entry.get(key), entry) for entry in current]
    return merged + list(by_key.values())


def reset(ctx: Context, req: Request) -> None:
    """Full replacement: every field not in new_settings goes back to its default."""
    record = get_record(ctx, req.need_int("job_id"))
    if "new_settings" not in req.body:
        raise invalid("Missing required field: new_settings")
    record["settings"] = _settings(req.body["new_settings"])


def delete(ctx: Context, req: Request) -> None:
    job_id = req.need_int("job_id")
    get_record(ctx, job_id)
    del ctx.store.collection(JOBS)[str(job_id)]
    permissions.drop(ctx, "jobs", str(job_id))


def register(router: Router) -> None:
    router.add("POST", "/api/2.2/jobs/create", create)
    router.add("GET", "/api/2.2/jobs/get", get)
    router.add("GET", "/api/2.2/jobs/list", list_jobs)
    router.add("POST", "/api/2.2/jobs/update", update)
    router.add("POST", "/api/2.2/jobs/reset", reset)
    router.add("POST", "/api/2.2/jobs/delete", delete)
