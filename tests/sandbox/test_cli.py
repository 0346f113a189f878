"""`standby sandbox up` as a user runs it: a foreground process, stopped with Ctrl-C, whose
state file brings the same workspace back on the next start."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests
from databricks.sdk import WorkspaceClient

from standby.cli import main


def up(state: Path, *extra: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Start `standby sandbox up --json` and read the one JSON document it prints."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "standby",
            "sandbox",
            "up",
            "--json",
            "--port",
            "0",
            "--state",
            str(state),
            "--name",
            "primary",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.rstrip() == "}":
            break
    return proc, json.loads("".join(lines))


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0, proc.stderr.read() if proc.stderr else ""


def test_up_keeps_state_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "primary.json"
    proc, info = up(state, "--seed", "demo")
    try:
        assert info["name"] == "primary" and info["url"].startswith("http://127.0.0.1:")
        w = WorkspaceClient(host=info["url"], token=info["token"], auth_type="pat")
        seeded = {j.settings.name for j in w.jobs.list() if j.settings}
        assert seeded == {"etl_pipeline", "nightly_report"}
        w.jobs.create(name="added-by-hand")
    finally:
        stop(proc)

    proc, again = up(state, "--seed", "demo")
    try:
        assert again["token"] == info["token"]
        w = WorkspaceClient(host=again["url"], token=again["token"], auth_type="pat")
        names = sorted(j.settings.name for j in w.jobs.list() if j.settings)
        assert names == ["added-by-hand", "etl_pipeline", "nightly_report"]
    finally:
        stop(proc)


def test_up_on_a_busy_port_is_exit_2(tmp_path: Path, capsys: object) -> None:
    from standby.sandbox import start

    busy = start()
    try:
        code = main(["sandbox", "up", "--port", str(busy.port), "--state", str(tmp_path / "s")])
    finally:
        busy.stop()
    assert code == 2
    assert not (tmp_path / "s").exists()


def test_up_injects_faults_given_by_flag(tmp_path: Path) -> None:
    proc, info = up(tmp_path / "s.json", "--throttle-rate", "1", "--retry-after", "3")
    try:
        auth = {"Authorization": f"Bearer {info['token']}"}
        answer = requests.get(f"{info['url']}/api/2.2/jobs/list", headers=auth, timeout=5)
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
    finally:
        stop(proc)
