"""Compute kinds: cluster policies, instance pools, global init scripts, all-purpose
clusters and SQL warehouses. Writes send the document as the REST body, so no field is lost
on the way through the SDK's typed request arguments."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from databricks.sdk.service import compute

from standby.workspace.kinds.base import Doc, Kind, Ref, Remote, listed, posted

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient


# --- cluster policies ----------------------------------------------------------------------


def _policy_doc(body: Doc) -> Doc:
    doc = dict(body)
    if isinstance(doc.get("definition"), str) and doc["definition"]:
        doc["definition"] = json.loads(doc["definition"])  # an object diffs field by field
    return doc


def _policy_request(doc: Doc) -> Doc:
    out = dict(doc)
    if isinstance(out.get("definition"), dict):
        out["definition"] = json.dumps(out["definition"], sort_keys=True)
    return out


_create_policy, _update_policy = posted(
    "/api/2.0/policies/clusters/create",
    "/api/2.0/policies/clusters/edit",
    "policy_id",
    request=_policy_request,
)


POLICIES = Kind(
    name="cluster_policies",
    list=lambda w: listed(
        "cluster_policies", w.cluster_policies.list(), id_field="policy_id", name_field="name"
    ),
    create=_create_policy,
    update=_update_policy,
    delete=lambda w, item: w.cluster_policies.delete(item.id),
    to_doc=_policy_doc,
    server_fields=("policy_id", "creator_user_name", "created_at_timestamp", "is_default"),
)


# --- instance pools ------------------------------------------------------------------------


_create_pool, _update_pool = posted(
    "/api/2.0/instance-pools/create", "/api/2.0/instance-pools/edit", "instance_pool_id"
)


POOLS = Kind(
    name="instance_pools",
    list=lambda w: listed(
        "instance_pools",
        w.instance_pools.list(),
        id_field="instance_pool_id",
        name_field="instance_pool_name",
    ),
    create=_create_pool,
    update=_update_pool,
    delete=lambda w, item: w.instance_pools.delete(item.id),
    server_fields=("instance_pool_id", "state", "stats", "status", "default_tags"),
)


# --- global init scripts -------------------------------------------------------------------


def _read_script(w: WorkspaceClient, item: Remote) -> Remote:
    return Remote(item.kind, item.id, item.name, w.global_init_scripts.get(item.id).as_dict())


def _script_doc(body: Doc) -> Doc:
    doc = dict(body)
    encoded = doc.pop("script", "") or ""
    try:
        doc["script"] = base64.b64decode(encoded).decode("utf-8")  # text diffs line by line
    except (binascii.Error, UnicodeDecodeError):
        doc["script_base64"] = encoded
    return doc


def _script_args(doc: Doc) -> dict[str, object]:
    encoded = doc.get("script_base64") or base64.b64encode(doc["script"].encode()).decode()
    return {
        "name": doc["name"],
        "script": encoded,
        "enabled": doc.get("enabled"),
        "position": doc.get("position"),
    }


def _create_script(w: WorkspaceClient, name: str, doc: Doc) -> str:
    return str(w.global_init_scripts.create(**_script_args(doc)).script_id)  # type: ignore[arg-type]


def _update_script(w: WorkspaceClient, item: Remote, doc: Doc) -> None:
    w.global_init_scripts.update(item.id, **_script_args(doc))  # type: ignore[arg-type]


INIT_SCRIPTS = Kind(
    name="global_init_scripts",
    # The listing leaves out the script itself: `read` fetches it.
    list=lambda w: listed(
        "global_init_scripts",
        w.global_init_scripts.list(),
        id_field="script_id",
        name_field="name",
        complete=False,
    ),
    read=_read_script,
    create=_create_script,
    update=_update_script,
    delete=lambda w, item: w.global_init_scripts.delete(item.id),
    to_doc=_script_doc,
    server_fields=("script_id", "created_at", "created_by", "updated_at", "updated_by"),
)


# --- all-purpose clusters ------------------------------------------------------------------

CREATED_BY_USERS = ("UI", "API")  # job and pipeline clusters come and go with their runs


def _clusters(w: WorkspaceClient) -> Iterator[Remote]:
    for cluster in w.clusters.list():
        body = cluster.as_dict()
        if body.get("cluster_source", "API") in CREATED_BY_USERS:
            name = str(body.get("cluster_name") or body["cluster_id"])
            yield Remote("clusters", str(body["cluster_id"]), name, body)


_post_cluster, _update_cluster = posted(
    "/api/2.1/clusters/create", "/api/2.1/clusters/edit", "cluster_id"
)


def _create_cluster(w: WorkspaceClient, name: str, doc: Doc) -> str:
    cluster_id = _post_cluster(w, name, doc)
    w.clusters.delete(cluster_id)  # terminate: a standby cluster must not run up a bill
    return cluster_id


CLUSTERS = Kind(
    name="clusters",
    list=_clusters,
    create=_create_cluster,
    update=_update_cluster,
    delete=lambda w, item: w.clusters.permanent_delete(item.id),
    to_doc=lambda body: compute.ClusterSpec.from_dict(body).as_dict(),
    refs=(
        Ref("policy_id", "cluster_policies"),
        Ref("instance_pool_id", "instance_pools"),
        Ref("driver_instance_pool_id", "instance_pools"),
    ),
)


# --- SQL warehouses ------------------------------------------------------------------------


_create_warehouse, _update_warehouse = posted(
    "/api/2.0/sql/warehouses", "/api/2.0/sql/warehouses/{id}/edit", "id"
)


WAREHOUSES = Kind(
    name="warehouses",
    list=lambda w: listed("warehouses", w.warehouses.list(), id_field="id", name_field="name"),
    create=_create_warehouse,
    update=_update_warehouse,
    delete=lambda w, item: w.warehouses.delete(item.id),
    server_fields=(
        "id",
        "creator_name",
        "jdbc_url",
        "odbc_params",
        "num_clusters",
        "num_active_sessions",
        "state",
        "health",
    ),
)

KINDS = (POLICIES, POOLS, INIT_SCRIPTS, CLUSTERS, WAREHOUSES)
