"""Secrets through the SDK: values kept and returned only by get, never listed or logged."""

from __future__ import annotations

import base64
import logging

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound, ResourceAlreadyExists
from databricks.sdk.service import workspace

from standby.sandbox import RunningSandbox

VALUE = "s3cr3t-value-do-not-show"


def test_scopes_secrets_and_acls(w: WorkspaceClient) -> None:
    w.secrets.create_scope("etl")
    with pytest.raises(ResourceAlreadyExists, match="Scope etl already exists"):
        w.secrets.create_scope("etl")
    assert [s.name for s in w.secrets.list_scopes()] == ["etl"]
    w.secrets.put_secret("etl", "db-password", string_value=VALUE)
    w.secrets.put_secret("etl", "blob", bytes_value=base64.b64encode(b"\x00\x01").decode())
    listed = list(w.secrets.list_secrets("etl"))
    assert sorted(s.key for s in listed) == ["blob", "db-password"]
    assert all(s.last_updated_timestamp for s in listed)
    raw = w.api_client.do("GET", "/api/2.0/secrets/list", query={"scope": "etl"})
    assert VALUE not in str(raw)
    got = w.secrets.get_secret("etl", "db-password")
    assert base64.b64decode(got.value or "").decode() == VALUE

    acls = {a.principal: a.permission for a in w.secrets.list_acls("etl")}
    assert acls == {w.current_user.me().user_name: workspace.AclPermission.MANAGE}
    w.secrets.put_acl("etl", "data-engineers", workspace.AclPermission.READ)
    assert w.secrets.get_acl("etl", "data-engineers").permission == workspace.AclPermission.READ
    w.secrets.delete_acl("etl", "data-engineers")
    with pytest.raises(NotFound):
        w.secrets.get_acl("etl", "data-engineers")

    w.secrets.delete_secret("etl", "blob")
    with pytest.raises(NotFound):
        w.secrets.get_secret("etl", "blob")
    w.secrets.delete_scope("etl")
    with pytest.raises(NotFound, match="Scope etl does not exist"):
        list(w.secrets.list_secrets("etl"))


def test_invalid_secret_requests(w: WorkspaceClient) -> None:
    with pytest.raises(InvalidParameterValue, match="Scope name"):
        w.secrets.create_scope("has space")
    w.secrets.create_scope("s")
    with pytest.raises(InvalidParameterValue, match="Exactly one"):
        w.secrets.put_secret("s", "k")
    with pytest.raises(NotFound):
        w.secrets.put_secret("nope", "k", string_value="v")


def test_secret_values_are_never_logged(
    w: WorkspaceClient, sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w.secrets.create_scope("etl")
    w.secrets.put_secret("etl", "k", string_value=VALUE)
    w.secrets.get_secret("etl", "k")
    assert any("standby.sandbox" in r.name for r in caplog.records)  # the server did log
    encoded = base64.b64encode(VALUE.encode()).decode()
    server_logs = [r.getMessage() for r in caplog.records if r.name.startswith("standby.")]
    assert not any(VALUE in m or encoded in m for m in server_logs)
