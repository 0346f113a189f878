"""Acceptance 4 of scale-out: what `standby job emit` prints is a Jobs API 2.2 job that
databricks-sdk's `JobSettings.from_dict` takes without unknown fields, that the sandbox's
Jobs API creates, lists and runs, and that `--apply` creates once and then updates by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from databricks.sdk.service.jobs import JobSettings, RunResultState

from standby import __version__
from standby.backup.schedule import job_definition
from standby.cli import main
from standby.config import load_config
from standby.errors import BadInput
from standby.jobs import JobOptions, job_settings
from standby.sandbox import RunningSandbox
from tests.sandbox.conftest import _no_databricks_env, wait_run
from tests.workspace.conftest import dr

__all__ = ["_no_databricks_env", "dr"]
TOKEN_ENV = "STANDBY_TEST_DR_TOKEN"
SECRET_ENV = "STANDBY_TEST_LAKE_SECRET"
KINDS = [("replicate", "spark"), ("replicate", "threads"), ("backup", "spark"), ("drill", None)]


@pytest.fixture
def config_file(tmp_path: Path, dr: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    options = {"aws_secret_access_key": {"env": SECRET_ENV}}
    doc = {
        "version": 1,
        "sites": {
            "primary": {"role": "primary", "storage": {"lake": "s3://prod-lake"}},
            "dr": {
                "role": "dr",
                "workspace": {"kind": "sandbox", "host": dr.url, "token_env": TOKEN_ENV},
                "storage": {"lake": "s3://dr-lake"},
                "storage_options": options,
            },
        },
        "protected": {"tables": [{"location": "s3://prod-lake/sales/t", "tier": "tier1"}]},
        "backups": {
            "policies": [
                {
                    "name": "nightly",
                    "tables": ["s3://prod-lake/sales/t"],
                    "root": "lake",
                    "schedule": "30 2 * * 1-5",
                    "retention": {"keep_daily": 7},
                }
            ]
        },
    }
    path = tmp_path / "standby.yml"
    path.write_text(yaml.safe_dump(doc))
    monkeypatch.setenv(TOKEN_ENV, dr.token)
    monkeypatch.setenv("STANDBY_CONFIG", str(path))
    return path


def _emit(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    code = main(["job", "emit", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return dict(
        json.loads(out.out) if out.out.lstrip().startswith("{") else yaml.safe_load(out.out)
    )


@pytest.mark.parametrize(("kind", "engine"), KINDS)
def test_emitted_settings_have_no_field_the_sdk_does_not_know(
    kind: str, engine: str | None, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _emit(capsys, kind, *(["--engine", engine] if engine else []))
    assert JobSettings.from_dict(settings).as_dict() == settings  # nothing dropped
    task = settings["tasks"][0]
    params = task["python_wheel_task"]["parameters"]
    assert params[:2] == ["--config", "/Workspace/Shared/standby/standby.yml"]
    assert task["libraries"] == [{"pypi": {"package": f"standby=={__version__}"}}]
    cluster = settings["job_clusters"][0]["new_cluster"]
    # The secret is a reference to a scope, read by name on the cluster; no value anywhere.
    assert cluster["spark_env_vars"] == {
        SECRET_ENV: f"{{{{secrets/standby/{SECRET_ENV}}}}}",
        TOKEN_ENV: f"{{{{secrets/standby/{TOKEN_ENV}}}}}",
    }
    if engine:
        assert params[-2:] == ["--engine", engine]
        assert cluster["num_workers"] == (2 if engine == "spark" else 0)
        assert ("spark_conf" in cluster) == (engine == "threads")  # a single node


def test_backup_jobs_are_those_of_backup_schedule_with_the_engine(config_file: Path) -> None:
    config = load_config(config_file)
    settings = job_settings(config, "backup", JobOptions(engine="spark", wheel="/Volumes/x.whl"))
    plain = job_definition(
        config.policy("nightly"), root=config.backup_location(config.policy("nightly"))
    )
    assert settings["schedule"] == plain["schedule"]
    assert settings["schedule"]["quartz_cron_expression"] == "0 30 2 ? * MON,TUE,WED,THU,FRI"
    run, prune = (t["python_wheel_task"]["parameters"] for t in settings["tasks"])
    assert run[2:] == ["backup", "run", "--policy", "nightly", "--engine", "spark"]
    assert prune[2:] == ["backup", "prune", "--policy", "nightly"]  # copies nothing
    assert settings["tasks"][0]["libraries"] == [{"whl": "/Volumes/x.whl"}]
    with pytest.raises(BadInput, match="not where a job can read it"):
        job_settings(config, "backup", JobOptions(config_path="/tmp/x.yml"))


def test_the_sandbox_creates_lists_and_runs_the_emitted_job(
    config_file: Path, dr: RunningSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    w = dr.client()
    for kind, engine in KINDS:
        settings = _emit(capsys, kind, *(["--engine", engine] if engine else []))
        settings["name"] += f" ({engine})"
        job_id = w.api_client.do("POST", "/api/2.2/jobs/create", body=settings)["job_id"]
        listed = list(w.jobs.list(name=settings["name"], expand_tasks=True))
        assert [j.job_id for j in listed] == [job_id]
        assert listed[0].settings is not None
        assert listed[0].settings.as_dict()["tasks"] == settings["tasks"]
        run = wait_run(w, w.jobs.run_now(job_id).run_id)
        assert run.state is not None and run.state.result_state == RunResultState.SUCCESS


def test_apply_creates_then_updates_by_name(
    config_file: Path, dr: RunningSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _emit(capsys, "--json", "replicate", "--engine", "spark", "--apply")
    assert first["action"] == "created"
    again = _emit(capsys, "--json", "replicate", "--engine", "spark", "--workers", "8", "--apply")
    assert again == {**first, "action": "updated"}
    (job,) = dr.client().jobs.list(name="standby-replicate", expand_tasks=True)
    assert str(job.job_id) == first["job_id"]
    assert job.settings is not None and job.settings.job_clusters is not None
    cluster = job.settings.job_clusters[0].new_cluster
    assert cluster is not None and cluster.num_workers == 8
    planned = _emit(capsys, "--json", "replicate", "--apply", "--dry-run")
    assert planned["action"] == "would update"


def test_bundle_format_holds_the_same_job(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _emit(capsys, "drill", "--format", "bundle")
    (settings,) = bundle["resources"]["jobs"].values()
    assert settings == _emit(capsys, "drill")
