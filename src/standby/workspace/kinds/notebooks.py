"""Workspace kinds: notebooks (by path, as source) and secret scopes (key names and ACLs).

Secret values are not part of any document: the API does not give them, and `sync` fills
them from the configured provider through `Workspace.put_secret`.
"""

from __future__ import annotations

import base64
import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from databricks.sdk.service import workspace

from standby.workspace.kinds.base import Doc, Kind, Remote, listed

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

SKIPPED_TREES = ("/Repos",)  # git folders: their content belongs to git, not to a snapshot


# --- notebooks -----------------------------------------------------------------------------


def _notebooks(w: WorkspaceClient) -> Iterator[Remote]:
    queue = ["/"]
    while queue:
        for info in w.workspace.list(queue.pop(0)):
            path = str(info.path)
            if info.object_type == workspace.ObjectType.DIRECTORY:
                if path not in SKIPPED_TREES:
                    queue.append(path)
            elif info.object_type == workspace.ObjectType.NOTEBOOK:
                yield Remote("notebooks", path, path, info.as_dict(), complete=False)


def _read_notebook(w: WorkspaceClient, item: Remote) -> Remote:
    exported = w.workspace.export(item.id, format=workspace.ExportFormat.SOURCE)
    source = base64.b64decode(exported.content or "").decode("utf-8")
    return Remote(item.kind, item.id, item.name, {**item.body, "source": source})


def _notebook_doc(body: Doc) -> Doc:
    return {"language": body.get("language"), "source": body.get("source", "")}


def _import(w: WorkspaceClient, path: str, doc: Doc) -> None:
    w.workspace.mkdirs(posixpath.dirname(path))
    w.workspace.import_(
        path,
        content=base64.b64encode(str(doc["source"]).encode()).decode(),
        format=workspace.ImportFormat.SOURCE,
        language=workspace.Language(doc["language"]),
        overwrite=True,
    )


def _create_notebook(w: WorkspaceClient, name: str, doc: Doc) -> str:
    _import(w, name, doc)
    return name


NOTEBOOKS = Kind(
    name="notebooks",
    list=_notebooks,
    read=_read_notebook,
    create=_create_notebook,
    update=lambda w, item, doc: _import(w, item.id, doc),
    delete=lambda w, item: w.workspace.delete(item.id),
    to_doc=_notebook_doc,
    names_are_ids=True,
)


# --- secret scopes -------------------------------------------------------------------------


def _read_scope(w: WorkspaceClient, item: Remote) -> Remote:
    body = dict(item.body)
    if body.get("backend_type", "DATABRICKS") == "DATABRICKS":  # a key vault lists its own
        body["keys"] = sorted(str(s.key) for s in w.secrets.list_secrets(item.id))
    body["acls"] = _acls(w, item.id)
    return Remote(item.kind, item.id, item.name, body)


def _acls(w: WorkspaceClient, scope: str) -> dict[str, str]:
    return {
        str(a.principal): a.permission.value
        for a in w.secrets.list_acls(scope)
        if a.permission is not None
    }


def _set_acls(w: WorkspaceClient, scope: str, wanted: dict[str, str], held: dict[str, str]) -> None:
    for principal, permission in sorted(wanted.items()):
        if held.get(principal) != permission:
            w.secrets.put_acl(scope, principal, workspace.AclPermission(permission))
    for principal in sorted(set(held) - set(wanted)):
        w.secrets.delete_acl(scope, principal)


def _create_scope(w: WorkspaceClient, name: str, doc: Doc) -> str:
    backend = doc.get("backend_type")
    keyvault = doc.get("keyvault_metadata")
    w.secrets.create_scope(
        name,
        scope_backend_type=workspace.ScopeBackendType(backend) if backend else None,
        backend_azure_keyvault=(
            workspace.AzureKeyVaultSecretScopeMetadata.from_dict(keyvault) if keyvault else None
        ),
    )
    _set_acls(w, name, doc.get("acls") or {}, _acls(w, name))
    return name


SECRET_SCOPES = Kind(
    name="secret_scopes",
    list=lambda w: listed(
        "secret_scopes", w.secrets.list_scopes(), id_field="name", name_field="name", complete=False
    ),
    read=_read_scope,
    create=_create_scope,
    update=lambda w, item, doc: _set_acls(
        w, item.id, doc.get("acls") or {}, item.body.get("acls") or {}
    ),
    delete=lambda w, item: w.secrets.delete_scope(item.id),
    names_are_ids=True,
    filled_apart=("keys",),  # values come from the secret provider, one key at a time
)

KINDS = (NOTEBOOKS, SECRET_SCOPES)
