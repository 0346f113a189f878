"""Workspace objects: mkdirs, list, get-status, import, export, delete, for notebooks,
files and directories (the SDK's `workspace` shapes, with `upload` / `download` too).

Objects are kept by absolute path; `/Workspace/x` and `/x` name the same object, as on
Databricks. Content is stored as given and exported byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from typing import Any

from standby.sandbox import permissions
from standby.sandbox.api import (
    ApiError,
    Context,
    Raw,
    Request,
    Router,
    already_exists,
    invalid,
    not_found,
)
from standby.sandbox.state import OBJECTS

LANGUAGES = {".py": "PYTHON", ".sql": "SQL", ".scala": "SCALA", ".r": "R"}
NOTEBOOK_HEADER = ("# Databricks notebook source", "-- Databricks notebook source")
ROOT = {"object_type": "DIRECTORY", "path": "/", "object_id": 0}


def normalize(path: str) -> str:
    """The canonical form of a workspace path: absolute, no `/Workspace` prefix, no trailing /."""
    if not path.startswith("/"):
        raise invalid(f"Path ({path}) must be absolute.")
    clean = posixpath.normpath(path)
    if clean == "/Workspace" or clean.startswith("/Workspace/"):
        clean = clean[len("/Workspace") :] or "/"
    return clean


def _get(ctx: Context, path: str) -> dict[str, Any]:
    if path == "/":
        return ROOT
    record = ctx.store.collection(OBJECTS).get(path)
    if record is None:
        raise not_found(f"Path ({path}) doesn't exist.")
    return record


def _info(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _add(ctx: Context, path: str, object_type: str, **fields: Any) -> dict[str, Any]:
    now = ctx.now_ms()
    object_id = ctx.store.meta["id_base"] + ctx.store.next_id(OBJECTS)
    record = {
        "object_type": object_type,
        "path": path,
        "object_id": object_id,
        "resource_id": str(object_id),
        "created_at": now,
        "modified_at": now,
        **fields,
    }
    ctx.store.collection(OBJECTS)[path] = record
    return record


def _mkdirs(ctx: Context, path: str) -> None:
    objects = ctx.store.collection(OBJECTS)
    parts = [p for p in path.split("/") if p]
    current = ""
    for part in parts:
        current += "/" + part
        existing = objects.get(current)
        if existing is None:
            _add(ctx, current, "DIRECTORY")
        elif existing["object_type"] != "DIRECTORY":
            kind = existing["object_type"].lower()
            raise already_exists(f"Cannot create {path}: {current} is a {kind}.", status=400)


def mkdirs(ctx: Context, req: Request) -> None:
    _mkdirs(ctx, normalize(req.need("path")))


def get_status(ctx: Context, req: Request) -> dict[str, Any]:
    return _info(_get(ctx, normalize(req.need("path"))))


def list_objects(ctx: Context, req: Request) -> dict[str, Any]:
    path = normalize(req.need("path"))
    record = _get(ctx, path)
    if record["object_type"] != "DIRECTORY":
        return {"objects": [_info(record)]}
    since = req.int_arg("notebooks_modified_after")
    children = [
        _info(o)
        for p, o in ctx.store.collection(OBJECTS).items()
        if posixpath.dirname(p) == path
        and p != path
        and (since is None or o["object_type"] != "NOTEBOOK" or o["modified_at"] > since)
    ]
    return {"objects": sorted(children, key=lambda o: o["path"])} if children else {}


def _content(req: Request) -> bytes:
    content = req.body.get("content", b"")
    if isinstance(content, bytes):  # multipart upload: raw bytes
        return content
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("content must be base64-encoded.") from None


def _kind_of(path: str, fmt: str, language: str | None, data: bytes) -> tuple[str, str, str | None]:
    """(stored path, object type, language) of an import, as the service decides them."""
    stem, ext = posixpath.splitext(path)
    if fmt in ("SOURCE", "JUPYTER", "HTML", "DBC", "R_MARKDOWN"):
        language = language or LANGUAGES.get(ext.lower())
        if fmt == "SOURCE" and language is None:
            raise invalid(f"The language field is required to import {path} in SOURCE format.")
        return (stem if ext.lower() in LANGUAGES else path), "NOTEBOOK", language
    if fmt == "AUTO" and data.lstrip().startswith(tuple(h.encode() for h in NOTEBOOK_HEADER)):
        return stem, "NOTEBOOK", language or LANGUAGES.get(ext.lower(), "PYTHON")
    return path, "FILE", None


def import_(ctx: Context, req: Request) -> None:
    fmt = (req.arg("format") or "SOURCE").upper()
    data = _content(req)
    path, object_type, language = _kind_of(
        normalize(req.need("path")), fmt, req.arg("language"), data
    )
    parent = posixpath.dirname(path)
    if _get_or_none(ctx, parent) is None:
        raise not_found(f"The parent folder ({parent}) does not exist.")
    existing = ctx.store.collection(OBJECTS).get(path)
    if existing is not None:
        if existing["object_type"] == "DIRECTORY":
            raise already_exists(f"Path ({path}) is a directory.", status=400)
        if not req.bool_arg("overwrite"):
            raise already_exists(f"Path ({path}) already exists.", status=400)
        existing.update(modified_at=ctx.now_ms(), size=len(data), language=language)
        existing["_content"] = base64.b64encode(data).decode()
        existing["object_type"] = object_type
        return
    fields: dict[str, Any] = {"size": len(data), "_content": base64.b64encode(data).decode()}
    if language:
        fields["language"] = language
    _add(ctx, path, object_type, **fields)


def _get_or_none(ctx: Context, path: str) -> dict[str, Any] | None:
    try:
        record = _get(ctx, path)
    except ApiError:
        return None
    return record if record["object_type"] == "DIRECTORY" else None


def export(ctx: Context, req: Request) -> dict[str, Any] | Raw:
    path = normalize(req.need("path"))
    record = _get(ctx, path)
    if record["object_type"] == "DIRECTORY":
        raise invalid(f"Exporting the directory {path} needs the DBC format, which is not served.")
    content = base64.b64decode(record.get("_content", ""))
    if req.bool_arg("direct_download"):
        return Raw(content)
    file_type = {"PYTHON": "py", "SQL": "sql", "SCALA": "scala", "R": "r"}.get(
        record.get("language", ""), posixpath.splitext(path)[1].lstrip(".")
    )
    return {"content": base64.b64encode(content).decode(), "file_type": file_type}


def delete(ctx: Context, req: Request) -> None:
    path = normalize(req.need("path"))
    _get(ctx, path)
    if path == "/":
        raise invalid("The workspace root cannot be deleted.")
    objects = ctx.store.collection(OBJECTS)
    inside = [p for p in objects if p.startswith(path + "/")]
    if inside and not req.bool_arg("recursive"):
        raise ApiError(
            400, "DIRECTORY_NOT_EMPTY", f"Folder ({path}) is not empty; delete it recursively."
        )
    for p in [path, *inside]:
        gone = objects.pop(p)
        kind = "directories" if gone["object_type"] == "DIRECTORY" else "notebooks"
        permissions.drop(ctx, kind, str(gone["object_id"]))


def register(router: Router) -> None:
    base = "/api/2.0/workspace"
    router.add("POST", f"{base}/mkdirs", mkdirs)
    router.add("GET", f"{base}/get-status", get_status)
    router.add("GET", f"{base}/list", list_objects)
    router.add("POST", f"{base}/import", import_)
    router.add("GET", f"{base}/export", export)
    router.add("POST", f"{base}/delete", delete)
