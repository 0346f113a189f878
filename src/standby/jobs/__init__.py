"""standby as a Databricks job: the job definition (`job emit`) and putting it in a
workspace (`job emit --apply`)."""

from __future__ import annotations

from standby.jobs.apply import AppliedJob, apply_job
from standby.jobs.emit import JOB_KINDS, JobOptions, bundle_resource, job_settings

__all__ = ["JOB_KINDS", "AppliedJob", "JobOptions", "apply_job", "bundle_resource", "job_settings"]
