"""`job emit --apply`: create the job, or update the one of the same name, in a workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from standby.errors import Refused
from standby.workspace.client import Workspace


@dataclass(frozen=True)
class AppliedJob:
    """What `--apply` did; the --json document."""

    job_id: str
    name: str
    action: Literal["created", "updated", "would create", "would update"]


def apply_job(
    workspace: Workspace, settings: dict[str, Any], *, dry_run: bool = False
) -> AppliedJob:
    """Create the job, or replace the settings of the one job that has its name.

    Idempotent: applying the same settings twice leaves one job with them. Raises Refused
    when several jobs have the name (which one is standby's cannot be told).
    """
    name = settings["name"]
    same = [job for job in workspace.list("jobs") if job.name == name]
    if len(same) > 1:
        ids = ", ".join(job.id for job in same)
        raise Refused(
            f"{len(same)} jobs are named {name!r} ({ids}); standby updates a job by its name.",
            hint="Delete or rename the extra ones, or emit with --name to make another job.",
        )
    if same:
        if not dry_run:
            workspace.update("jobs", same[0], settings)
        return AppliedJob(same[0].id, name, "would update" if dry_run else "updated")
    if dry_run:
        return AppliedJob("", name, "would create")
    return AppliedJob(workspace.create("jobs", name, settings), name, "created")
