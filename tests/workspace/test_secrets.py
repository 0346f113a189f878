"""Secrets: a canary value set on the primary reaches the DR workspace through the provider
and nowhere else: not the snapshot, not -v -v logs, not --json output, not error messages."""

from __future__ import annotations

import base64
import logging
import secrets
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NoReturn

import pytest
from databricks.sdk import errors as sdk_errors

from standby.config import SecretProvider
from standby.errors import BadInput, StandbyError
from standby.sandbox import RunningSandbox
from standby.workspace.client import SdkWorkspace, SecretValue
from standby.workspace.secrets import CommandSecrets, EnvSecrets, FileSecrets

CANARY = "canary-" + secrets.token_hex(12)


def test_a_canary_secret_reaches_dr_and_nothing_else(
    config_file: Path,
    primary: RunningSandbox,
    dr: RunningSandbox,
    secret_env: dict[str, str],
    tmp_path: Path,
    standby: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    primary.client().secrets.put_secret("etl", "canary", string_value=CANARY)
    monkeypatch.setenv(SecretProvider().env_var("etl", "canary"), CANARY)
    caplog.set_level(logging.DEBUG)  # the SDK logs request and response bodies at DEBUG
    snap = tmp_path / "snap"
    runs = [
        standby("-v", "-v", "--json", "config", "export", "--site", "primary", "--out", snap),
        standby("-v", "-v", "--json", "config", "sync", "--from", "primary", "--to", "dr"),
        standby("-v", "-v", "--json", "config", "diff", "primary", "dr"),
        standby(
            "-v", "-v", "config", "sync", "--from", "primary", "--to", "dr", "--refresh-secrets"
        ),
        standby("-v", "-v", "config", "diff", snap, "dr"),
    ]
    assert [r.code for r in runs] == [0, 0, 0, 0, 0], [r.err for r in runs]
    assert "etl/canary" in runs[1].json()["secrets_set"]
    dr.go_down()  # an error on the way: still no value in the message
    down = standby("-v", "-v", "--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert down.code == 4
    runs.append(down)

    for run in runs:
        assert CANARY not in run.out and CANARY not in run.err
    assert "string_value" in caplog.text  # the bodies were logged, redacted
    assert CANARY not in caplog.text
    for path in snap.rglob("*"):
        assert not path.is_file() or CANARY.encode() not in path.read_bytes(), path
    assert '"canary"' in (snap / "secret_scopes/etl.json").read_text()  # the key name is there

    dr.come_up()
    got = dr.client().secrets.get_secret("etl", "canary").value
    assert base64.b64decode(got or "").decode() == CANARY


def test_keys_the_provider_cannot_fill_are_listed_and_the_run_is_partial(
    config_file: Path, secret_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, standby: Any
) -> None:
    missing = SecretProvider().env_var("etl", "api-token")
    monkeypatch.delenv(missing)
    run = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert run.code == 3
    assert run.json()["secrets_unfilled"] == [f"etl/api-token (not found: ${missing})"]
    assert "secret etl/api-token" in run.err
    for value in secret_env.values():
        assert value not in run.out and value not in run.err
    monkeypatch.setenv(missing, "filled-later")
    again = standby("--json", "config", "sync", "--from", "primary", "--to", "dr")
    assert again.code == 0 and again.json()["secrets_set"] == ["etl/api-token"]


def test_a_value_echoed_in_an_api_error_is_masked() -> None:
    def refuse(scope: str, key: str, *, string_value: str) -> NoReturn:
        raise sdk_errors.BadRequest(f"rejected value {string_value} for {scope}/{key}")

    client = SimpleNamespace(secrets=SimpleNamespace(put_secret=refuse))
    ws = SdkWorkspace(client, label="dr")  # type: ignore[arg-type]
    with pytest.raises(StandbyError) as caught:
        ws.put_secret("etl", "k", SecretValue(CANARY))
    assert CANARY not in str(caught.value) and "etl/k" in str(caught.value)
    assert caught.value.__cause__ is None
    assert CANARY not in repr(SecretValue(CANARY)) and CANARY not in str(SecretValue(CANARY))


def test_env_file_and_command_providers(tmp_path: Path) -> None:
    env = EnvSecrets(SecretProvider(prefix="V_"), {"V_ETL__DB_PASSWORD": "p1"})
    assert env.value("etl", "db-password").reveal() == "p1"  # type: ignore[union-attr]
    assert env.value("etl", "other") is None and env.where("etl", "x") == "$V_ETL__X"

    path = tmp_path / "secrets.yml"
    path.write_text("etl:\n  db-password: p2\n")
    file = FileSecrets(path)
    assert file.value("etl", "db-password").reveal() == "p2"  # type: ignore[union-attr]
    assert file.value("etl", "nope") is None and file.value("nope", "x") is None
    path.write_text(f"etl: [{CANARY}\n")
    with pytest.raises(BadInput) as caught:
        FileSecrets(path).value("etl", "x")
    assert CANARY not in str(caught.value)

    script = "import sys; print('v-' + sys.argv[1] + '-' + sys.argv[2])"
    command = CommandSecrets([sys.executable, "-c", script, "{scope}", "{key}"], timeout=10)
    assert command.value("etl", "k").reveal() == "v-etl-k"  # type: ignore[union-attr]
    failing = CommandSecrets([sys.executable, "-c", "raise SystemExit(3)"], timeout=10)
    assert failing.value("etl", "k") is None
