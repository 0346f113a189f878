"""Jobs: their settings, every id they reference, and the pause state a standby keeps.

A job arrives on the standby with its schedule, trigger or continuous run PAUSED and the
primary's own state in the tag PAUSE_TAG, so that a failover unpauses exactly the jobs
that were running on the primary (`unpaused_on_primary`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from standby.workspace.kinds.base import Doc, Kind, Ref, Remote

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

PAUSE_TAG = "standby_primary_pause_status"
TRIGGERS = ("schedule", "trigger", "continuous")
PAUSED, UNPAUSED = "PAUSED", "UNPAUSED"


def _jobs(w: WorkspaceClient) -> Iterator[Remote]:
    # expand_tasks gives whole settings; the SDK fetches the rest of jobs over 100 tasks.
    for job in w.jobs.list(expand_tasks=True, limit=100):
        body = job.as_dict()
        settings = body.get("settings", {})
        yield Remote("jobs", str(body["job_id"]), str(settings.get("name", "")), settings)


def _job_doc(settings: Doc) -> Doc:
    doc = dict(settings)
    for trigger in TRIGGERS:
        if isinstance(doc.get(trigger), dict):
            # The API's default made explicit: an absent pause_status means UNPAUSED.
            doc[trigger] = {"pause_status": UNPAUSED, **doc[trigger]}
    return doc


def _create(w: WorkspaceClient, name: str, doc: Doc) -> str:
    return str(w.api_client.do("POST", "/api/2.2/jobs/create", body=doc)["job_id"])  # type: ignore[index]


def _reset(w: WorkspaceClient, item: Remote, doc: Doc) -> None:
    body = {"job_id": int(item.id), "new_settings": doc}
    w.api_client.do("POST", "/api/2.2/jobs/reset", body=body)


def _in_workspace(root: Doc, notebook_task: Doc) -> bool:
    """Whether a notebook task's path names a workspace notebook (not a file in git)."""
    if not str(notebook_task.get("notebook_path", "")).startswith("/"):
        return False
    source = notebook_task.get("source")
    return source == "WORKSPACE" or (source is None and "git_source" not in root)


def _task_refs(prefix: str, *specs: str) -> tuple[Ref, ...]:
    """References of the tasks at `prefix`, and of the cluster specs they (or `specs`) hold."""
    clusters = (f"{prefix}.new_cluster", *specs)
    return (
        Ref(f"{prefix}.existing_cluster_id", "clusters"),
        *(Ref(f"{spec}.policy_id", "cluster_policies") for spec in clusters),
        *(Ref(f"{spec}.instance_pool_id", "instance_pools") for spec in clusters),
        *(Ref(f"{spec}.driver_instance_pool_id", "instance_pools") for spec in clusters),
        *(Ref(f"{prefix}.{t}.warehouse_id", "warehouses") for t in ("sql_task", "dbt_task")),
        Ref(f"{prefix}.notebook_task.warehouse_id", "warehouses"),
        Ref(f"{prefix}.notebook_task.notebook_path", "notebooks", applies=_in_workspace),
        Ref(f"{prefix}.run_job_task.job_id", "jobs", cast=int),
    )


JOBS = Kind(
    name="jobs",
    list=_jobs,
    create=_create,
    update=_reset,
    delete=lambda w, item: w.jobs.delete(int(item.id)),
    to_doc=_job_doc,
    server_fields=("format",),
    refs=(
        *_task_refs("tasks[]", "job_clusters[].new_cluster"),
        *_task_refs("tasks[].for_each_task.task"),
    ),
)

KINDS = (JOBS,)


def primary_pause_state(doc: Doc) -> str | None:
    """PAUSED / UNPAUSED as on the primary (the tag, else the trigger); None: no trigger."""
    recorded = (doc.get("tags") or {}).get(PAUSE_TAG)
    if recorded:
        return str(recorded)
    for trigger in TRIGGERS:
        if isinstance(doc.get(trigger), dict):
            return str(doc[trigger].get("pause_status", UNPAUSED))
    return None


def paused_for_standby(doc: Doc) -> Doc:
    """The job as the standby holds it: every trigger PAUSED, the primary's state tagged."""
    state = primary_pause_state(doc)
    if state is None:
        return doc
    out = dict(doc)
    for trigger in TRIGGERS:
        if isinstance(doc.get(trigger), dict):
            out[trigger] = {**doc[trigger], "pause_status": PAUSED}
    out["tags"] = {**(doc.get("tags") or {}), PAUSE_TAG: state}
    return out


def as_on_primary(doc: Doc) -> Doc:
    """Undo `paused_for_standby`, so a standby's job compares equal to the primary's."""
    tags = dict(doc.get("tags") or {})
    state = tags.pop(PAUSE_TAG, None)
    if state is None:
        return doc
    out = {k: v for k, v in doc.items() if k != "tags"}
    if tags:
        out["tags"] = tags
    for trigger in TRIGGERS:
        if isinstance(doc.get(trigger), dict):
            out[trigger] = {**doc[trigger], "pause_status": state}
    return out


def unpaused_on_primary(jobs: dict[str, Doc]) -> list[str]:
    """The names of the jobs a failover should unpause: those running on the primary."""
    return sorted(name for name, doc in jobs.items() if primary_pause_state(doc) == UNPAUSED)
