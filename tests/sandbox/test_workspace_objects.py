"""Workspace objects through the SDK: directories, notebooks, files, import/export."""

from __future__ import annotations

import base64

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    DatabricksError,
    InvalidParameterValue,
    NotFound,
    ResourceAlreadyExists,
)
from databricks.sdk.service.workspace import ExportFormat, ImportFormat, Language, ObjectType

SOURCE = b"# Databricks notebook source\nprint('hello')\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_mkdirs_import_list_status_export(w: WorkspaceClient) -> None:
    w.workspace.mkdirs("/Shared/etl/sub")
    w.workspace.import_(
        "/Shared/etl/ingest",
        content=b64(SOURCE),
        format=ImportFormat.SOURCE,
        language=Language.PYTHON,
    )
    listed = {o.path: o.object_type for o in w.workspace.list("/Shared/etl")}
    assert listed == {
        "/Shared/etl/ingest": ObjectType.NOTEBOOK,
        "/Shared/etl/sub": ObjectType.DIRECTORY,
    }
    status = w.workspace.get_status("/Workspace/Shared/etl/ingest")  # same object, both forms
    assert (status.object_type, status.language) == (ObjectType.NOTEBOOK, Language.PYTHON)
    assert status.object_id and status.path == "/Shared/etl/ingest"
    exported = w.workspace.export("/Shared/etl/ingest", format=ExportFormat.SOURCE)
    assert base64.b64decode(exported.content or "") == SOURCE
    with w.workspace.download("/Shared/etl/ingest") as f:
        assert f.read() == SOURCE


def test_upload_and_download_files(w: WorkspaceClient) -> None:
    w.workspace.mkdirs("/Shared/files")
    w.workspace.upload("/Shared/files/data.csv", b"a,b\n1,2\n", format=ImportFormat.AUTO)
    assert w.workspace.get_status("/Shared/files/data.csv").object_type == ObjectType.FILE
    with w.workspace.download("/Shared/files/data.csv") as f:
        assert f.read() == b"a,b\n1,2\n"
    w.workspace.upload("/Shared/files/nb.py", SOURCE, format=ImportFormat.AUTO)
    assert w.workspace.get_status("/Shared/files/nb").object_type == ObjectType.NOTEBOOK


def test_overwrite_rules_and_errors(w: WorkspaceClient) -> None:
    w.workspace.mkdirs("/Shared")
    args = {"content": b64(SOURCE), "format": ImportFormat.SOURCE, "language": Language.PYTHON}
    w.workspace.import_("/Shared/nb", **args)
    with pytest.raises(ResourceAlreadyExists, match="already exists"):
        w.workspace.import_("/Shared/nb", **args)
    w.workspace.import_("/Shared/nb", overwrite=True, **args)
    with pytest.raises(NotFound, match="parent folder"):
        w.workspace.import_("/Missing/nb", **args)
    with pytest.raises(InvalidParameterValue, match="language"):
        w.workspace.import_("/Shared/x", content=b64(SOURCE), format=ImportFormat.SOURCE)
    with pytest.raises(ResourceAlreadyExists):
        w.workspace.mkdirs("/Shared/nb/inside")
    with pytest.raises(NotFound, match="doesn't exist"):
        w.workspace.get_status("/Shared/none")


def test_delete_needs_recursive_for_non_empty_folders(w: WorkspaceClient) -> None:
    w.workspace.mkdirs("/Shared/a/b")
    with pytest.raises(DatabricksError, match="not empty"):
        w.workspace.delete("/Shared/a")
    w.workspace.delete("/Shared/a", recursive=True)
    with pytest.raises(NotFound):
        w.workspace.get_status("/Shared/a/b")
    assert [o.path for o in w.workspace.list("/Shared")] == []
