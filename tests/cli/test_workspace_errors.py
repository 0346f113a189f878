"""A workspace that answers 500 after the retries is unreachable (exit 4), not bad input:
the request was right and the fault is the workspace's. The 500s come from a proxy in
front of a real sandbox workspace, reached by databricks-sdk over HTTP."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from standby import sandbox
from standby.cli import main
from tests.fault_proxy import FaultProxy, fault_proxy

TOKEN_ENV = "STANDBY_TEST_TOKEN_500"


@pytest.fixture
def proxied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, FaultProxy]]:
    """A standby.yml whose primary workspace is a sandbox behind a fault proxy."""
    running = sandbox.start(name="primary")
    monkeypatch.setenv(TOKEN_ENV, running.token)
    try:
        with fault_proxy(running.url) as proxy:
            site = {"kind": "sandbox", "host": proxy.url, "token_env": TOKEN_ENV}
            config = {
                "sites": {
                    "primary": {
                        "role": "primary",
                        "storage": {"lake": str(tmp_path / "lake")},
                        "workspace": site,
                    },
                    "dr": {"role": "dr", "storage": {"lake": str(tmp_path / "dr-lake")}},
                }
            }
            path = tmp_path / "standby.yml"
            path.write_text(yaml.safe_dump(config))
            yield path, proxy
    finally:
        running.stop()


def test_a_workspace_answering_500_is_unreachable(
    proxied: tuple[Path, FaultProxy], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, proxy = proxied
    out = tmp_path / "snapshot"
    argv = ["--json", "--config", str(config), "config", "export", "--site", "primary"]
    assert main([*argv, "--out", str(out), "--kinds", "jobs"]) == 0  # it works when healthy
    capsys.readouterr()
    proxy.inject("status", count=10_000, status=500)
    code = main([*argv, "--out", str(tmp_path / "again"), "--kinds", "jobs"])
    captured = capsys.readouterr()
    assert code == 4, captured.err
    error = json.loads(captured.out)["error"]
    assert error["type"] == "Unreachable" and error["exit_code"] == 4
    assert "primary" in error["message"] and "500" in captured.err
    assert proxy.outcomes("status", "GET") >= 3  # a read is retried before giving up
    assert os.environ[TOKEN_ENV] not in captured.out + captured.err
