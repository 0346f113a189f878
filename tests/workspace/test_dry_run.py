"""A dry run writes nothing, whoever composed the target: the library's `sync(...,
dry_run=True)` against a plain workspace leaves the sandbox's state byte-identical, and
`config sync --dry-run` never says that anything was synced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk.service import jobs
from tests.workspace.conftest import STEP, export, workspace
from tests.workspace.test_sync import job

from standby.config import Config
from standby.sandbox import RunningSandbox, start
from standby.workspace import sync
from standby.workspace.secrets import EnvSecrets


@pytest.fixture
def dr(tmp_path: Path) -> Iterator[RunningSandbox]:
    """The DR sandbox with a state file, so that its whole state can be read as bytes."""
    sb = start(name="dr", state_path=tmp_path / "dr-state.json", step_seconds=STEP)
    try:
        yield sb
    finally:
        sb.stop()


def state_bytes(sb: RunningSandbox) -> bytes:
    """The sandbox's whole state as its file holds it. (A first listing of a kind makes
    its empty collection: the test reads everything once before it compares.)"""
    assert sb.store.path is not None
    sb.store.flush()
    return sb.store.path.read_bytes()


def drift(primary: RunningSandbox) -> None:
    """Changes on the primary that a sync would carry over: an update and a deletion."""
    w = primary.client()
    etl = job(w, "etl_pipeline")
    w.jobs.update(etl.job_id, new_settings=jobs.JobSettings(max_concurrent_runs=4))
    w.jobs.delete(job(w, "nightly_report").job_id)


def test_library_dry_run_against_a_plain_workspace_writes_nothing(
    config: Config,
    primary: RunningSandbox,
    dr: RunningSandbox,
    secret_env: dict[str, str],
    standby: Any,
) -> None:
    secrets = EnvSecrets(config.workspace_sync.secrets)
    options = {"config": config, "target_site": "dr", "secrets": secrets, "dry_run": True}
    export(config, "dr")
    before = state_bytes(dr)
    # A plain workspace: the caller did not compose it for a dry run.
    result = sync(export(config, "primary"), workspace(config, "dr"), **options)
    assert {a.op for a in result.actions} == {"create"} and result.secrets_set
    assert state_bytes(dr) == before

    assert standby("config", "sync", "--from", "primary", "--to", "dr").code == 0
    drift(primary)
    export(config, "dr")
    before = state_bytes(dr)
    result = sync(
        export(config, "primary"),
        workspace(config, "dr"),
        prune=True,
        refresh_secrets=True,
        **options,
    )
    planned = {(a.op, a.kind, a.name) for a in result.changes}
    assert ("update", "jobs", "etl_pipeline") in planned
    assert ("delete", "jobs", "nightly_report") in planned
    assert result.secrets_set and all(a.status == "planned" for a in result.changes)
    assert state_bytes(dr) == before


def test_config_sync_dry_run_never_says_synced(
    config: Config, primary: RunningSandbox, dr: RunningSandbox, standby: Any
) -> None:
    """Secrets cannot be filled (no provider values here): the dry run reports what would
    fail, in the future tense, and exit 3 as the real run would."""
    export(config, "dr")
    before = state_bytes(dr)
    run = standby("config", "sync", "--from", "primary", "--to", "dr", "--dry-run")
    assert run.code == 3, run.err
    text = (run.out + run.err).lower()
    assert "would" in text and "dry run" in text and "synced" not in text
    assert state_bytes(dr) == before
