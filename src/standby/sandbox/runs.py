"""Job runs: run-now, submit, get, get-output, list, cancel, cancel-all, delete.

A run goes PENDING -> RUNNING -> TERMINATED, one `step_seconds` per phase, computed from its
start time when read (GETs never write). Its outcome is decided when it starts: FAILED,
naming the missing object, when a task references a cluster, cluster policy, instance pool,
SQL warehouse, notebook or job that this workspace lacks (an incomplete DR copy); else SUCCESS.
"""

from __future__ import annotations

from typing import Any

from databricks.sdk.service import jobs as sdk_jobs

from standby.sandbox.api import ApiError, Context, Request, Router, invalid, page, sdk_shape
from standby.sandbox.jobs import get_record
from standby.sandbox.state import CLUSTERS, JOBS, OBJECTS, POLICIES, POOLS, RUNS, WAREHOUSES
from standby.sandbox.workspace_objects import normalize

PHASES = ("PENDING", "RUNNING", "TERMINATED")
ACTIVE = {"PENDING", "RUNNING"}


def run_not_found(run_id: int) -> ApiError:
    # The real API's 400 + text, which the SDK maps to ResourceDoesNotExist.
    return invalid(f"Run {run_id} does not exist.")


def missing_references(ctx: Context, settings: dict[str, Any]) -> dict[str, list[str]]:
    """For each task, the objects it references that this workspace does not have."""
    store = ctx.store
    job_clusters = {
        c["job_cluster_key"]: c.get("new_cluster", {}) for c in settings.get("job_clusters", [])
    }
    notebooks = {p for p, o in store.collection(OBJECTS).items() if o["object_type"] == "NOTEBOOK"}
    from_git = "git_source" in settings
    missing: dict[str, list[str]] = {}
    for task in settings.get("tasks", []):
        found: list[str] = []
        cluster_id = task.get("existing_cluster_id")
        if cluster_id and cluster_id not in store.collection(CLUSTERS):
            found.append(f"cluster {cluster_id}")
        spec = task.get("new_cluster") or job_clusters.get(task.get("job_cluster_key", ""), {})
        if spec.get("policy_id") and spec["policy_id"] not in store.collection(POLICIES):
            found.append(f"cluster policy {spec['policy_id']}")
        for field in ("instance_pool_id", "driver_instance_pool_id"):
            if spec.get(field) and spec[field] not in store.collection(POOLS):
                found.append(f"instance pool {spec[field]}")
        for kind in ("sql_task", "dbt_task", "notebook_task"):
            warehouse = task.get(kind, {}).get("warehouse_id")
            if warehouse and warehouse not in store.collection(WAREHOUSES):
                found.append(f"SQL warehouse {warehouse}")
        notebook = task.get("notebook_task")
        if notebook and _in_workspace(notebook, from_git) and _path(notebook) not in notebooks:
            found.append(f"notebook {notebook['notebook_path']}")
        other_job = task.get("run_job_task", {}).get("job_id")
        if other_job and str(other_job) not in store.collection(JOBS):
            found.append(f"job {other_job}")
        if found:
            missing[task["task_key"]] = found
    return missing


def _path(notebook: dict[str, Any]) -> str:
    path = notebook.get("notebook_path", "")
    return normalize(path) if path.startswith("/") else path


def _in_workspace(notebook: dict[str, Any], from_git: bool) -> bool:
    source = notebook.get("source")
    return source == "WORKSPACE" or (source is None and not from_git)


def _start(ctx: Context, settings: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    run_id = ctx.store.meta["id_base"] + ctx.store.next_id(RUNS)
    missing = missing_references(ctx, settings)
    failed = {
        key: f"Task {key} failed: {', '.join(what)} does not exist in this workspace."
        for key, what in missing.items()
    }
    record = {
        **base,
        "run_id": run_id,
        "original_attempt_run_id": run_id,
        "creator_user_name": ctx.user_name,
        "start_time": ctx.now_ms(),
        "format": "MULTI_TASK",
        "run_page_url": f"/jobs/runs/{run_id}",
        "tasks": settings.get("tasks", []),
        "_failed": failed,
        "_upstream_failed": _downstream(settings.get("tasks", []), set(failed)),
    }
    if settings.get("job_clusters"):
        record["job_clusters"] = settings["job_clusters"]
    ctx.store.collection(RUNS)[str(run_id)] = record
    return record


def _downstream(tasks: list[dict[str, Any]], failed: set[str]) -> list[str]:
    """Tasks that cannot run because a task they depend on (transitively) failed."""
    blocked: set[str] = set()
    changed = True
    while changed:
        changed = False
        for task in tasks:
            key = task["task_key"]
            deps = {d["task_key"] for d in task.get("depends_on", [])}
            if key not in blocked and key not in failed and deps & (failed | blocked):
                blocked.add(key)
                changed = True
    return sorted(blocked)


def _view(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    """The run as the API shows it now: lifecycle from elapsed time, outcome once done."""
    step_ms = ctx.step_seconds * 1000
    start, now = record["start_time"], ctx.now_ms()
    canceled = record.get("_canceled_ms")
    index = len(PHASES) - 1 if step_ms <= 0 else min(int((now - start) / step_ms), 2)
    life = "TERMINATED" if canceled is not None else PHASES[index]
    failed, _blocked = record["_failed"], record["_upstream_failed"]
    view = {k: v for k, v in record.items() if not k.startswith("_") and k != "tasks"}
    if canceled is not None:
        result, message, code = "CANCELED", "Run cancelled.", "USER_CANCELED"
    elif failed:
        result, message, code = "FAILED", " ".join(failed.values()), "RESOURCE_NOT_FOUND"
    else:
        result, message, code = "SUCCESS", "", "SUCCESS"
    view["state"] = {
        "life_cycle_state": life,
        "state_message": message if life == "TERMINATED" else "",
    }
    view["status"] = {"state": life}
    if life == "TERMINATED":
        end = canceled if canceled is not None else start + int(2 * step_ms)
        view["state"].update(result_state=result, user_cancelled_or_timedout=canceled is not None)
        view["status"]["termination_details"] = {
            "code": code,
            "type": "SUCCESS" if result == "SUCCESS" else "CLIENT_ERROR",
            "message": message,
        }
        view.update(end_time=end, run_duration=end - start, setup_duration=0, cleanup_duration=0)
        view["execution_duration"] = end - start
    view["tasks"] = [
        _task_view(record, i, task, life, result) for i, task in enumerate(record["tasks"])
    ]
    return sdk_shape(sdk_jobs.Run, view)


def _task_view(
    record: dict[str, Any], index: int, task: dict[str, Any], life: str, run_result: str
) -> dict[str, Any]:
    key = task["task_key"]
    state: dict[str, Any] = {"life_cycle_state": life}
    if life == "TERMINATED":
        if key in record["_failed"]:
            state.update(result_state="FAILED", state_message=record["_failed"][key])
        elif key in record["_upstream_failed"]:
            state.update(result_state="UPSTREAM_FAILED", state_message="An upstream task failed.")
        else:
            state["result_state"] = "CANCELED" if run_result == "CANCELED" else "SUCCESS"
    task_run_id = record["run_id"] * 1000 + index + 1
    return {**task, "run_id": task_run_id, "state": state, "attempt_number": 0}


def _record(ctx: Context, run_id: int) -> dict[str, Any]:
    record = ctx.store.collection(RUNS).get(str(run_id))
    if record is None:
        raise run_not_found(run_id)
    return record


def run_now(ctx: Context, req: Request) -> dict[str, Any]:
    job = get_record(ctx, req.need_int("job_id"))
    token = req.arg("idempotency_token")
    if token:
        for existing in ctx.store.collection(RUNS).values():
            if existing.get("_idempotency_token") == token:
                return {"run_id": existing["run_id"], "number_in_job": existing["number_in_job"]}
    settings = job["settings"]
    number = ctx.store.next_id(f"runs_of_{job['job_id']}")
    base: dict[str, Any] = {
        "job_id": job["job_id"],
        "number_in_job": number,
        "run_name": settings.get("name"),
        "run_type": "JOB_RUN",
        "trigger": "ONE_TIME",
        "_idempotency_token": token,
    }
    params = req.body.get("job_parameters")
    if params:
        base["job_parameters"] = [{"name": k, "value": v} for k, v in params.items()]
    record = _start(ctx, settings, base)
    return {"run_id": record["run_id"], "number_in_job": number}


def submit(ctx: Context, req: Request) -> dict[str, Any]:
    settings = sdk_shape(sdk_jobs.JobSettings, req.body)
    base = {"run_name": req.body.get("run_name", "Untitled"), "run_type": "SUBMIT_RUN"}
    return {"run_id": _start(ctx, settings, base)["run_id"]}


def get(ctx: Context, req: Request) -> dict[str, Any]:
    return _view(ctx, _record(ctx, req.need_int("run_id")))


def get_output(ctx: Context, req: Request) -> dict[str, Any]:
    run = _view(ctx, _record(ctx, req.need_int("run_id")))
    answer: dict[str, Any] = {"metadata": run}
    state = run.get("state", {})
    if state.get("result_state") == "FAILED":
        answer["error"] = state.get("state_message")
    return answer


def list_runs(ctx: Context, req: Request) -> dict[str, Any]:
    limit = req.int_arg("limit", 20) or 25
    if not 0 < limit <= 25:
        raise invalid(f"limit must be between 1 and 25, not {limit}.")
    if req.bool_arg("active_only") and req.bool_arg("completed_only"):
        raise invalid("active_only and completed_only cannot both be true.")
    job_id = req.int_arg("job_id")
    records = [
        r
        for r in ctx.store.collection(RUNS).values()
        if job_id is None or r.get("job_id") == job_id
    ]
    records.sort(key=lambda r: (r["start_time"], r["run_id"]), reverse=True)
    views = [_view(ctx, r) for r in records]
    if req.bool_arg("active_only"):
        views = [v for v in views if v["state"]["life_cycle_state"] in ACTIVE]
    if req.bool_arg("completed_only"):
        views = [v for v in views if v["state"]["life_cycle_state"] not in ACTIVE]
    run_type = req.arg("run_type")
    if run_type:
        views = [v for v in views if v.get("run_type") == run_type]
    views = [v for v in views if _in_window(v, req)]
    if not req.bool_arg("expand_tasks"):
        for v in views:
            v.pop("tasks", None)
    offset = req.int_arg("offset", 0) or 0
    chunk, token = page(views[offset:], token=req.arg("page_token"), limit=limit, default_limit=20)
    answer: dict[str, Any] = {"runs": chunk, "has_more": bool(token)}
    if token:
        answer["next_page_token"] = token
    return answer


def _in_window(view: dict[str, Any], req: Request) -> bool:
    low, high = req.int_arg("start_time_from"), req.int_arg("start_time_to")
    start = view["start_time"]
    return (low is None or start >= low) and (high is None or start <= high)


def _cancel(ctx: Context, record: dict[str, Any]) -> None:
    if _view(ctx, record)["state"]["life_cycle_state"] in ACTIVE:
        record["_canceled_ms"] = ctx.now_ms()


def cancel(ctx: Context, req: Request) -> None:
    _cancel(ctx, _record(ctx, req.need_int("run_id")))


def cancel_all(ctx: Context, req: Request) -> None:
    job_id = req.int_arg("job_id")
    if job_id is None and not req.bool_arg("all_queued_runs"):
        raise invalid("Either job_id or all_queued_runs must be given.")
    for record in ctx.store.collection(RUNS).values():
        if job_id is None or record.get("job_id") == job_id:
            _cancel(ctx, record)


def delete(ctx: Context, req: Request) -> None:
    run_id = req.need_int("run_id")
    if _view(ctx, _record(ctx, run_id))["state"]["life_cycle_state"] in ACTIVE:
        raise ApiError(400, "INVALID_STATE", f"Run {run_id} is active and cannot be deleted.")
    del ctx.store.collection(RUNS)[str(run_id)]


def register(router: Router) -> None:
    router.add("POST", "/api/2.2/jobs/run-now", run_now)
    router.add("POST", "/api/2.2/jobs/runs/submit", submit)
    router.add("GET", "/api/2.2/jobs/runs/get", get)
    router.add("GET", "/api/2.2/jobs/runs/get-output", get_output)
    router.add("GET", "/api/2.2/jobs/runs/list", list_runs)
    router.add("POST", "/api/2.2/jobs/runs/cancel", cancel)
    router.add("POST", "/api/2.2/jobs/runs/cancel-all", cancel_all)
    router.add("POST", "/api/2.2/jobs/runs/delete", delete)
