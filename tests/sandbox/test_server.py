"""The sandbox as a server: auth, state across restarts, side by side, injected faults."""

from __future__ import annotations

import json
import socket
import stat
import time
from pathlib import Path

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import PermissionDenied
from databricks.sdk.service import catalog

from standby.errors import BadInput
from standby.sandbox import RunningSandbox, start


def test_token_auth(sandbox: RunningSandbox) -> None:
    assert sandbox.client().current_user.me().user_name
    wrong = WorkspaceClient(host=sandbox.url, token="dapi-wrong", auth_type="pat")
    with pytest.raises(PermissionDenied, match="Invalid access token"):
        wrong.current_user.me()
    anonymous = requests.get(f"{sandbox.url}/api/2.2/jobs/list", timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.json()["error_code"] == "UNAUTHENTICATED"
    discovery = requests.get(f"{sandbox.url}/.well-known/databricks-config", timeout=5)
    assert discovery.json()["workspace_id"] == sandbox.client().config.workspace_id


def test_unknown_endpoint_is_a_clean_404(w: WorkspaceClient) -> None:
    from databricks.sdk.errors import NotFound

    with pytest.raises(NotFound, match="No API found"):
        w.api_client.do("GET", "/api/2.0/no/such/thing")


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "primary.json"
    first = start(name="primary", state_path=state)
    w = first.client()
    job_id = w.jobs.create(name="etl").job_id
    w.secrets.create_scope("etl")
    w.secrets.put_secret("etl", "k", string_value="v")
    w.catalogs.create("production")
    token, workspace_id = first.token, first.store.meta["workspace_id"]
    first.stop()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert json.loads(state.read_text())["format"] == 1

    second = start(name="ignored-on-restart", state_path=state)
    try:
        assert (second.token, second.name) == (token, "primary")
        assert second.store.meta["workspace_id"] == workspace_id
        w = second.client()
        assert [j.job_id for j in w.jobs.list()] == [job_id]
        assert [s.key for s in w.secrets.list_secrets("etl")] == ["k"]
        assert w.catalogs.get("production").name == "production"
        assert w.jobs.create(name="next").job_id == job_id + 1  # ids are never reused
    finally:
        second.stop()


def test_state_is_written_while_running(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    sb = start(name="live", state_path=state)
    try:
        job_id = sb.client().jobs.create(name="etl").job_id
        deadline = time.monotonic() + 5
        while str(job_id) not in (state.read_text() if state.exists() else ""):
            assert time.monotonic() < deadline, "the state file was not written"
            time.sleep(0.02)
    finally:
        sb.stop()


def test_a_corrupt_state_file_is_bad_input(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    state.write_text("{not json")
    with pytest.raises(BadInput, match="cannot be read"):
        start(state_path=state)


def test_two_sandboxes_side_by_side(tmp_path: Path) -> None:
    primary = start(name="primary", state_path=tmp_path / "p.json")
    dr = start(name="dr", state_path=tmp_path / "dr.json")
    try:
        assert primary.port != dr.port and primary.token != dr.token
        wp, wd = primary.client(), dr.client()
        assert wp.config.workspace_id != wd.config.workspace_id
        job_id = wp.jobs.create(name="etl").job_id
        wp.catalogs.create("production")
        assert list(wd.jobs.list()) == []
        assert list(wd.catalogs.list()) == []
        dr_job = wd.jobs.create(name="etl").job_id
        assert dr_job != job_id  # ids differ between workspaces, as on Databricks
        cross = WorkspaceClient(host=dr.url, token=primary.token, auth_type="pat")
        with pytest.raises(PermissionDenied):
            list(cross.jobs.list())
    finally:
        primary.stop()
        dr.stop()


def test_port_in_use_is_bad_input(sandbox: RunningSandbox) -> None:
    with pytest.raises(BadInput, match="already in use"):
        start(port=sandbox.port)


def test_sdk_retries_complete_a_listing_under_20_percent_429s(sandbox: RunningSandbox) -> None:
    w = sandbox.client()
    for i in range(1000):
        w.api_client.do("POST", "/api/2.2/jobs/create", body={"name": f"job-{i:04d}"})
    sandbox.set_faults(throttle_rate=0.2, retry_after_seconds=0)
    names = [j.settings.name for j in w.jobs.list(limit=50) if j.settings]
    assert names == [f"job-{i:04d}" for i in range(1000)]
    assert sandbox.faults.injected["429"] >= 2  # the SDK met, and retried, throttling


def test_503s_with_retry_after_and_latency(sandbox: RunningSandbox) -> None:
    w = sandbox.client()
    w.catalogs.create("c")
    sandbox.set_faults(unavailable_rate=0.5, retry_after_seconds=0)
    for _ in range(4):
        assert w.catalogs.get("c").name == "c"
    assert sandbox.faults.injected["503"] >= 1
    sandbox.set_faults(unavailable_rate=0.0, latency_seconds=0.2)
    started = time.monotonic()
    w.catalogs.get("c")
    assert time.monotonic() - started >= 0.2


def test_faults_can_be_set_over_http(sandbox: RunningSandbox) -> None:
    w = sandbox.client()
    control = "/_sandbox/faults"  # never throttled itself, so a drill can always undo a fault
    answer = w.api_client.do("POST", control, body={"throttle_rate": 1.0, "retry_after_seconds": 2})
    assert answer["throttle_rate"] == 1.0 and sandbox.faults.retry_after_seconds == 2
    auth = {"Authorization": f"Bearer {sandbox.token}"}
    throttled = requests.get(f"{sandbox.url}/api/2.2/jobs/list", headers=auth, timeout=5)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    assert throttled.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    w.api_client.do("POST", control, body={"throttle_rate": 0.0})
    assert requests.get(f"{sandbox.url}/api/2.2/jobs/list", headers=auth, timeout=5).ok


def test_down_is_connection_refused_and_up_serves_the_same_state(sandbox: RunningSandbox) -> None:
    w = sandbox.client()
    w.catalogs.create("production", comment="kept")
    impatient = sandbox.client(retry_timeout_seconds=1)
    sandbox.go_down()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((sandbox.host, sandbox.port), timeout=2).close()
    with pytest.raises(TimeoutError) as caught:
        impatient.catalogs.get("production")
    assert isinstance(caught.value.__cause__, requests.ConnectionError)
    sandbox.come_up()
    assert w.catalogs.get("production").comment == "kept"
    assert impatient.catalogs.get("production").name == "production"


def test_uc_objects_keep_their_sdk_shape(w: WorkspaceClient) -> None:
    info = w.catalogs.create("c", properties={"k": "v"})
    assert isinstance(info, catalog.CatalogInfo) and info.properties == {"k": "v"}
