"""Two sandboxes per test, on free ports: `primary` seeded with the DR guide's workspace,
`dr` empty; a standby.yml naming them as sites; secret values in the environment as the
`env` provider reads them; and `standby` run in-process as a user runs it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from databricks.sdk import WorkspaceClient
from tests.sandbox.conftest import STEP, _no_databricks_env, wait_run

from standby.cli import main
from standby.config import Config, SecretProvider, load_config
from standby.sandbox import RunningSandbox, start
from standby.workspace import Snapshot, Workspace, export_workspace, open_workspace

__all__ = ["STEP", "_no_databricks_env", "wait_run"]

TOKENS = {"primary": "STANDBY_TEST_PRIMARY_TOKEN", "dr": "STANDBY_TEST_DR_TOKEN"}
ZONES = {"primary": "us-east-1a", "dr": "us-west-2a"}


@pytest.fixture
def primary() -> Iterator[RunningSandbox]:
    sb = start(name="primary", seed="demo", step_seconds=STEP)
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def dr() -> Iterator[RunningSandbox]:
    sb = start(name="dr", step_seconds=STEP)
    try:
        yield sb
    finally:
        sb.stop()


def site_config(primary: RunningSandbox, dr: RunningSandbox) -> dict[str, Any]:
    """standby.yml for the two sandboxes: lakes mapped by root, zones by a mapping rule."""
    return {
        "version": 1,
        "sites": {
            name: {
                "role": name,
                "workspace": {"kind": "sandbox", "host": sb.url, "token_env": TOKENS[name]},
                "storage": {"lake": f"s3://{'prod' if name == 'primary' else 'dr'}-lake"},
            }
            for name, sb in (("primary", primary), ("dr", dr))
        },
        "workspace_sync": {
            "mappings": [
                {"name": "zone", "field": "*.aws_attributes.zone_id", "values": ZONES},
            ],
            "secrets": {"provider": "env"},
        },
    }


@pytest.fixture
def config_file(
    tmp_path: Path, primary: RunningSandbox, dr: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> Path:
    path = tmp_path / "standby.yml"
    path.write_text(yaml.safe_dump(site_config(primary, dr)))
    monkeypatch.setenv(TOKENS["primary"], primary.token)
    monkeypatch.setenv(TOKENS["dr"], dr.token)
    monkeypatch.setenv("STANDBY_CONFIG", str(path))
    return path


@pytest.fixture
def config(config_file: Path) -> Config:
    return load_config(config_file)


def primary_secrets(w: WorkspaceClient) -> dict[tuple[str, str], str]:
    """Every secret value of a sandbox (the sandbox, unlike Databricks, answers `get`)."""
    values = {}
    for scope in w.secrets.list_scopes():
        for s in w.secrets.list_secrets(str(scope.name)):
            value = w.secrets.get_secret(str(scope.name), str(s.key)).value or ""
            values[(str(scope.name), str(s.key))] = base64.b64decode(value).decode()
    return values


@pytest.fixture
def secret_env(primary: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The primary's secret values where the `env` provider looks (the vault of a test)."""
    provider = SecretProvider()
    env = {provider.env_var(s, k): v for (s, k), v in primary_secrets(primary.client()).items()}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def standby(capsys: pytest.CaptureFixture[str]) -> Any:
    """`standby ARGS...` in-process: (exit code, stdout, stderr)."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def workspace(config: Config, site: str, **options: Any) -> Workspace:
    return open_workspace(config, site, **options)


def export(config: Config, site: str) -> Snapshot:
    return export_workspace(workspace(config, site), site=site)


def files(root: Path) -> dict[str, bytes]:
    """A snapshot directory's object files (the manifest, which holds a time, left out)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
