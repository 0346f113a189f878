"""Faults: throttling (429/503) is retried until export and sync finish complete; a DR
workspace that is down stops sync with exit 4; a sync cut off half-way finishes on a rerun
without duplicates. Faults come from the sandbox, or from wrapping a real workspace."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from databricks.sdk import errors as sdk_errors
from tests.workspace.conftest import export, files, workspace

from standby.config import Config
from standby.errors import AccessDenied, ObjectNotFound, Partial, Throttled, Unreachable
from standby.sandbox import RunningSandbox
from standby.workspace import Workspace, sync
from standby.workspace.client import map_error
from standby.workspace.kinds import Doc
from standby.workspace.secrets import EnvSecrets
from standby.workspace.wrappers import RetryPolicy


def test_export_and_sync_finish_complete_under_20_percent_429s(
    config_file: Path,
    primary: RunningSandbox,
    dr: RunningSandbox,
    secret_env: Any,
    tmp_path: Path,
    standby: Any,
) -> None:
    calm = tmp_path / "calm"
    assert standby("config", "export", "--site", "primary", "--out", calm).code == 0
    for sb in (primary, dr):
        sb.set_faults(throttle_rate=0.2, retry_after_seconds=0)
    stormy = tmp_path / "stormy"
    assert standby("config", "export", "--site", "primary", "--out", stormy).code == 0
    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 0, run.err
    assert primary.faults.injected["429"] > 5 and dr.faults.injected["429"] > 5
    for sb in (primary, dr):
        sb.set_faults(throttle_rate=0.0)
    assert files(calm) == files(stormy)
    assert standby("config", "diff", "primary", "dr").code == 0


def test_sync_into_a_workspace_that_is_down_exits_4_and_says_so(
    config_file: Path, dr: RunningSandbox, secret_env: Any, standby: Any
) -> None:
    dr.go_down()
    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 4
    assert "the workspace dr (http://127.0.0.1:" in run.err and "cannot be reached" in run.err
    assert run.json()["error"]["exit_code"] == 4


def test_a_workspace_answering_500_after_retries_is_unreachable_exit_4(
    config_file: Path, dr: RunningSandbox, secret_env: Any, tmp_path: Path, standby: Any
) -> None:
    dr.set_faults(error_rate=1.0)
    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 4, run.err
    assert "answered 500 (a server error) while listing" in run.err and "(3 attempts)" in run.err
    error = run.json()["error"]
    assert (error["type"], error["exit_code"]) == ("Unreachable", 4)
    assert dr.faults.injected["500"] == 3  # one listing, tried three times, then stopped
    assert standby("config", "export", "--site", "dr", "--out", tmp_path / "x").code == 4


class LostAfter:
    """The target makes the n-th create, then the line drops before the answer comes."""

    def __init__(self, inner: Workspace, sandbox: RunningSandbox, n: int):
        self.inner, self.sandbox, self.n, self.count = inner, sandbox, n, 0
        self.label = inner.label

    def create(self, kind: str, name: str, doc: Doc) -> str:
        made = self.inner.create(kind, name, doc)
        self.count += 1
        if self.count == self.n:
            self.sandbox.go_down()
            raise Unreachable(f"connection lost after creating {kind} {name}")
        return made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_sync_cut_off_half_way_finishes_on_rerun_without_duplicates(
    config: Config, dr: RunningSandbox, secret_env: dict[str, str], standby: Any
) -> None:
    source = export(config, "primary")
    cut = LostAfter(workspace(config, "dr"), dr, n=8)
    secrets = EnvSecrets(config.workspace_sync.secrets)
    with pytest.raises(Unreachable, match=r"Not synced yet: .*jobs/etl_pipeline"):
        sync(source, cut, config=config, target_site="dr", secrets=secrets, workers=1)
    dr.come_up()
    made = {k: len(v) for k, v in export(config, "dr").objects.items() if v}
    assert 0 < sum(made.values()) < sum(len(v) for v in source.objects.values())

    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 0, run.err
    assert any(a["op"] == "unchanged" for a in run.json()["actions"])
    w = dr.client()
    for names in (
        [j.settings.name for j in w.jobs.list()],
        [c.cluster_name for c in w.clusters.list()],
        [p.name for p in w.cluster_policies.list()],
        [h.name for h in w.warehouses.list()],
    ):
        assert names and max(Counter(names).values()) == 1, names
    assert standby("config", "diff", "primary", "dr").code == 0


class ThrottledOn(LostAfter):
    """The target keeps answering 429 for one object, after every retry."""

    def __init__(self, inner: Workspace, name: str):
        self.inner, self.name, self.label = inner, name, inner.label

    def create(self, kind: str, name: str, doc: Doc) -> str:
        if name == self.name:
            raise Throttled(f"the workspace dr answered 429 while creating {kind} {name!r}")
        return self.inner.create(kind, name, doc)


def test_an_object_still_throttled_after_retries_is_reported_missing(
    config: Config, secret_env: dict[str, str]
) -> None:
    target = ThrottledOn(workspace(config, "dr"), "nightly_report")
    secrets = EnvSecrets(config.workspace_sync.secrets)
    result = sync(
        export(config, "primary"), target, config=config, target_site="dr", secrets=secrets
    )
    assert result.missing() == ["jobs/nightly_report", "permissions/jobs/nightly_report"]
    assert "answered 429" in result.failed[0].error
    assert sum(a.status == "done" for a in result.actions) == 29
    with pytest.raises(Partial, match="jobs/nightly_report"):
        result.check()


class Flaky:
    """A request that fails with the given errors first, then answers."""

    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


def test_each_request_is_retried_after_retry_after_and_never_an_uncertain_write() -> None:
    slept: list[float] = []
    policy = RetryPolicy(sleep=slept.append, jitter=lambda: 1.0)
    throttled = Flaky(
        sdk_errors.TooManyRequests("slow down", retry_after_secs=5),
        sdk_errors.TemporarilyUnavailable("busy"),
    )
    assert policy.call(throttled, idempotent=False) == "answer" and throttled.calls == 3
    assert slept == [5, 0.4]  # Retry-After, then backoff (0.2 s, doubled)

    dropped = Flaky(requests.ConnectionError("reset"))
    with pytest.raises(requests.ConnectionError):
        policy.call(dropped, idempotent=False)
    assert dropped.calls == 1  # a POST may have been acted on: sync finds it by name later

    reads = Flaky(requests.ConnectionError("reset"), requests.ConnectionError("reset"))
    assert policy.call(reads, idempotent=True) == "answer" and reads.calls == 3

    failing = Flaky(sdk_errors.InternalError("boom"), sdk_errors.InternalError("boom"))
    assert policy.call(failing, idempotent=True) == "answer" and failing.calls == 3
    create = Flaky(sdk_errors.InternalError("boom"))
    with pytest.raises(sdk_errors.InternalError):
        policy.call(create, idempotent=False)  # it may have been made: never sent twice
    assert create.calls == 1

    stuck = Flaky(*(sdk_errors.TooManyRequests("slow down") for _ in range(10)))
    with pytest.raises(sdk_errors.TooManyRequests) as caught:
        RetryPolicy(attempts=4, sleep=slept.append).call(stuck, idempotent=True)
    assert stuck.calls == 4
    mapped = map_error(caught.value, doing="listing jobs", label="dr")
    assert isinstance(mapped, Throttled) and "(4 attempts)" in str(mapped)


def test_sdk_errors_map_to_standby_errors() -> None:
    def mapped(error: Exception) -> BaseException:
        return map_error(error, doing="listing jobs", label="dr (http://x)")

    throttled = mapped(sdk_errors.TooManyRequests("slow down", retry_after_secs=7))
    assert isinstance(throttled, Throttled) and throttled.retry_after == 7
    assert isinstance(mapped(sdk_errors.TemporarilyUnavailable("busy")), Throttled)
    down = mapped(requests.ConnectionError("refused"))
    assert isinstance(down, Unreachable) and not isinstance(down, Throttled)
    assert "the workspace dr (http://x) cannot be reached (listing jobs)" in str(down)
    for server_error in (sdk_errors.InternalError("boom"), sdk_errors.DeadlineExceeded("slow")):
        failing = mapped(server_error)
        assert isinstance(failing, Unreachable) and not isinstance(failing, Throttled)
        assert "a server error" in str(failing)
    assert isinstance(mapped(sdk_errors.PermissionDenied("no")), AccessDenied)
    assert isinstance(
        mapped(sdk_errors.ResourceDoesNotExist("Job 1 does not exist.")), ObjectNotFound
    )
    bug = ValueError("a bug")
    assert mapped(bug) is bug
