"""Access kinds, attached to objects of other kinds: object permissions (ACLs of jobs,
clusters, policies, pools, warehouses, notebooks) and Unity Catalog grants.

Each is named `<parent kind>/<parent name>`. Only direct grants are kept: inherited ones
follow from the parent, and the owner is whoever creates the object on each side.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from standby.workspace.kinds.base import Doc, Kind, Ref, Remote
from standby.workspace.kinds.catalog import KINDS as CATALOG_KINDS
from standby.workspace.kinds.compute import KINDS as COMPUTE_KINDS
from standby.workspace.kinds.jobs import KINDS as JOB_KINDS
from standby.workspace.kinds.notebooks import KINDS as NOTEBOOK_KINDS

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

PRINCIPALS = ("user_name", "group_name", "service_principal_name")
OBJECT_TYPES = {  # our kind -> the permissions API's object type
    "jobs": "jobs",
    "clusters": "clusters",
    "cluster_policies": "cluster-policies",
    "instance_pools": "instance-pools",
    "warehouses": "warehouses",
    "notebooks": "notebooks",
}
SECURABLES = {  # our kind -> Unity Catalog's securable type
    "catalogs": "catalog",
    "schemas": "schema",
    "tables": "table",
    "volumes": "volume",
    "storage_credentials": "storage_credential",
    "external_locations": "external_location",
}
UC_GRANTS = "/api/2.1/unity-catalog/permissions"
# The kinds whose objects carry access: every family but this one.
PARENTS = {k.name: k for k in (*COMPUTE_KINDS, *NOTEBOOK_KINDS, *JOB_KINDS, *CATALOG_KINDS)}


# --- object permissions --------------------------------------------------------------------


def _api_id(parent: str, item: Remote) -> str:
    # Notebook permissions are keyed by the notebook's object id, not its path.
    return str(item.body["object_id"]) if parent == "notebooks" else item.id


def _permissions(w: WorkspaceClient) -> Iterator[Remote]:
    for parent, object_type in OBJECT_TYPES.items():
        for item in PARENTS[parent].list(w):
            body = {"object_type": parent, "object_id": item.id}
            api_id = f"{object_type}/{_api_id(parent, item)}"
            yield Remote("permissions", api_id, f"{parent}/{item.name}", body, complete=False)


def _read_acl(w: WorkspaceClient, item: Remote) -> Remote:
    answer = w.api_client.do("GET", f"/api/2.0/permissions/{item.id}")
    acl: dict[str, str] = {}
    for entry in answer.get("access_control_list", []):
        field = next((p for p in PRINCIPALS if entry.get(p)), None)
        levels = [
            p["permission_level"]
            for p in entry.get("all_permissions", [])
            if not p.get("inherited") and p.get("permission_level") != "IS_OWNER"
        ]
        if field and levels:
            acl[f"{field}:{entry[field]}"] = levels[0]
    return Remote(item.kind, item.id, item.name, {**item.body, "acl": acl})


def _put_acl(w: WorkspaceClient, doc: Doc) -> None:
    parent, object_id = doc["object_type"], str(doc["object_id"])
    if parent == "notebooks":
        object_id = str(w.workspace.get_status(object_id).object_id)
    acl = []
    for principal, level in sorted((doc.get("acl") or {}).items()):
        field, _, name = principal.partition(":")
        acl.append({field: name, "permission_level": level})
    path = f"/api/2.0/permissions/{OBJECT_TYPES[parent]}/{object_id}"
    w.api_client.do("PUT", path, body={"access_control_list": acl})


def _create_acl(w: WorkspaceClient, name: str, doc: Doc) -> str:
    _put_acl(w, doc)
    return name


PERMISSIONS = Kind(
    name="permissions",
    list=_permissions,
    read=_read_acl,
    create=_create_acl,
    update=lambda w, item, doc: _put_acl(w, doc),
    delete=lambda w, item: _put_acl(w, {**item.body, "acl": {}}),
    refs=(Ref("object_id", kind_field="object_type"),),
    parents=tuple(OBJECT_TYPES),
    exists=lambda doc: bool(doc.get("acl")),
)


# --- Unity Catalog grants ------------------------------------------------------------------


def _grants(w: WorkspaceClient) -> Iterator[Remote]:
    for parent, securable in SECURABLES.items():
        for item in PARENTS[parent].list(w):
            body = {"securable_type": securable, "full_name": item.id}
            yield Remote("grants", f"{securable}/{item.id}", f"{parent}/{item.name}", body, False)


def _privileges(w: WorkspaceClient, api_id: str) -> dict[str, list[str]]:
    answer = w.api_client.do("GET", f"{UC_GRANTS}/{api_id}")
    return {
        str(a["principal"]): sorted(a.get("privileges") or [])
        for a in answer.get("privilege_assignments", [])
        if a.get("privileges")
    }


def _read_grants(w: WorkspaceClient, item: Remote) -> Remote:
    privileges = _privileges(w, item.id)
    return Remote(item.kind, item.id, item.name, {**item.body, "privileges": privileges})


def _grant(w: WorkspaceClient, api_id: str, wanted: dict[str, list[str]]) -> None:
    """Make the direct grants on one securable exactly `wanted`."""
    held = _privileges(w, api_id)
    changes = []
    for principal in sorted(set(wanted) | set(held)):
        add = sorted(set(wanted.get(principal, [])) - set(held.get(principal, [])))
        remove = sorted(set(held.get(principal, [])) - set(wanted.get(principal, [])))
        if add or remove:
            changes.append({"principal": principal, "add": add, "remove": remove})
    if changes:
        w.api_client.do("PATCH", f"{UC_GRANTS}/{api_id}", body={"changes": changes})


def _grants_id(doc: Doc) -> str:
    return f"{doc['securable_type']}/{doc['full_name']}"


def _create_grants(w: WorkspaceClient, name: str, doc: Doc) -> str:
    _grant(w, _grants_id(doc), doc.get("privileges") or {})
    return _grants_id(doc)


GRANTS = Kind(
    name="grants",
    list=_grants,
    read=_read_grants,
    create=_create_grants,
    update=lambda w, item, doc: _grant(w, item.id, doc.get("privileges") or {}),
    delete=lambda w, item: _grant(w, item.id, {}),
    names_are_ids=True,
    parents=tuple(SECURABLES),
    exists=lambda doc: bool(doc.get("privileges")),
)

KINDS = (GRANTS, PERMISSIONS)
