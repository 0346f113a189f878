"""Jobs: their settings, every id they reference, and the pause state a standby keeps.

A job arrives on the standby with its schedule, trigger or continuous run PAUSED and the
primary's own state in the tag PAUSE_TAG, so that a failover unpauses exactly the jobs
that were running on the primary (`unpaused_on_primary`). A job deployed by a Databricks
Asset Bundle (`deployment.kind == BUNDLE`) belongs to its bundle (`from_bundle`).
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
    return str(w.api_client.do("POST", "/api/2.2/jobs/create", body=doc)["job_id"])


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


def unpaused_on_primary(jobs: dict[str, Doc]) -> list[str]:
    """The names of the jobs a failover should unpause: those running on the primary."""
    return sorted(name for name, doc in jobs.items() if primary_pause_state(doc) == UNPAUSED)


def held_by_standby(doc: Doc) -> bool:
    """Whether a job is a standby's copy: it records the primary's pause state in a tag."""
    return PAUSE_TAG in (doc.get("tags") or {})


def pause_views(primary: Doc, standby: Doc) -> tuple[Doc, Doc]:
    """A primary's job and a standby's copy as diff compares them, the two pause states
    apart: the primary's real state against the one the standby recorded (both as the
    tag), and the standby's real state only where it is not PAUSED, as it should be."""
    seen_primary = {k: _without_pause(v) if k in TRIGGERS else v for k, v in primary.items()}
    state = primary_pause_state(primary)
    if state is not None:
        seen_primary["tags"] = {**(primary.get("tags") or {}), PAUSE_TAG: state}
    seen_standby = dict(standby)
    for trigger in TRIGGERS:
        held = standby.get(trigger)
        if isinstance(held, dict) and held.get("pause_status", UNPAUSED) == PAUSED:
            seen_standby[trigger] = _without_pause(held)
    return seen_primary, seen_standby


def pause_notes(name: str, primary: Doc, standby: Doc, *, where: str) -> list[str]:
    """In words, how a standby's copy (on `where`) differs from its primary in pause state."""
    notes = []
    recorded = (standby.get("tags") or {}).get(PAUSE_TAG)
    for trigger in TRIGGERS:
        held = standby.get(trigger)
        if isinstance(held, dict) and held.get("pause_status", UNPAUSED) != PAUSED:
            notes.append(
                f"jobs/{name}: its {trigger} is {held.get('pause_status', UNPAUSED)} on "
                f"{where}, where a standby job stays PAUSED until failover"
            )
    state = primary_pause_state(primary)
    if state is not None and recorded != state:
        notes.append(
            f"jobs/{name}: the primary's {state} is recorded on {where} as {recorded} "
            f"(a failover goes by the record; `standby config sync` updates it)"
        )
    return notes


def _without_pause(trigger: object) -> object:
    if not isinstance(trigger, dict):
        return trigger
    return {k: v for k, v in trigger.items() if k != "pause_status"}


def from_bundle(doc: Doc) -> bool:
    """Whether a Databricks Asset Bundle deployed the job: its bundle owns it."""
    deployment = doc.get("deployment")
    return isinstance(deployment, dict) and deployment.get("kind") == "BUNDLE"
