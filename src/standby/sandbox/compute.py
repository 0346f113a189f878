"""Compute: clusters (create, get, list, edit, start, delete, permanent-delete), cluster
policies, instance pools and global init scripts, in the SDK's `compute` shapes.

Clusters move PENDING -> RUNNING after create/start/edit and TERMINATING -> TERMINATED after
delete, one `step_seconds` per phase. A spec that names a policy or pool this workspace lacks
is refused, as the real service refuses it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from databricks.sdk.service import compute

from standby.sandbox import permissions
from standby.sandbox.api import (
    ApiError,
    Context,
    Request,
    Router,
    already_exists,
    begin,
    invalid,
    new_hex_id,
    not_found,
    page,
    phase,
    public,
    require,
    sdk_shape,
)
from standby.sandbox.state import CLUSTERS, INIT_SCRIPTS, POLICIES, POOLS

CLUSTER_SERVER_FIELDS = (
    "cluster_id",
    "creator_user_name",
    "cluster_source",
    "start_time",
    "default_tags",
    "state",
)


def _cluster_missing(cluster_id: str) -> ApiError:
    # The real API's 400 + text; the SDK maps it to ResourceDoesNotExist.
    return invalid(f"Cluster {cluster_id} does not exist")


def _cluster_spec(ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    spec = sdk_shape(compute.ClusterSpec, body)
    if not spec.get("spark_version"):
        raise invalid("Missing required field: spark_version")
    if "num_workers" not in spec and "autoscale" not in spec:
        spec["num_workers"] = 0
    policy = spec.get("policy_id")
    if policy and policy not in ctx.store.collection(POLICIES):
        raise invalid(f"Cluster policy {policy} does not exist")
    for field in ("instance_pool_id", "driver_instance_pool_id"):
        if spec.get(field) and spec[field] not in ctx.store.collection(POOLS):
            raise invalid(f"Instance pool {spec[field]} does not exist")
    return spec


def _cluster_view(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    view = public(record)
    view["state"] = phase(record, ctx)
    view["state_message"] = "" if view["state"] in ("RUNNING", "TERMINATED") else "In progress"
    return sdk_shape(compute.ClusterDetails, view)


def _cluster(ctx: Context, cluster_id: str) -> dict[str, Any]:
    return require(ctx.store.collection(CLUSTERS), cluster_id, _cluster_missing(cluster_id))


def create_cluster(ctx: Context, req: Request) -> dict[str, Any]:
    spec = _cluster_spec(ctx, req.body)
    now = datetime.fromtimestamp(ctx.clock.time(), tz=UTC)
    cluster_id = f"{now:%m%d-%H%M%S}-{new_hex_id(8, upper=False)}"
    record = {
        **spec,
        "cluster_id": cluster_id,
        "creator_user_name": ctx.user_name,
        "cluster_source": "API",
        "start_time": ctx.now_ms(),
        "default_tags": {
            "Vendor": "Databricks",
            "Creator": ctx.user_name,
            "ClusterName": spec.get("cluster_name", ""),
            "ClusterId": cluster_id,
        },
    }
    begin(record, ctx, "PENDING", "RUNNING")
    ctx.store.collection(CLUSTERS)[cluster_id] = record
    return {"cluster_id": cluster_id}


def get_cluster(ctx: Context, req: Request) -> dict[str, Any]:
    return _cluster_view(ctx, _cluster(ctx, req.need("cluster_id")))


def list_clusters(ctx: Context, req: Request) -> dict[str, Any]:
    records = list(ctx.store.collection(CLUSTERS).values())
    chunk, token = page(
        records, token=req.arg("page_token"), limit=req.int_arg("page_size"), default_limit=100
    )
    answer: dict[str, Any] = {"clusters": [_cluster_view(ctx, r) for r in chunk]}
    if token:
        answer["next_page_token"] = token
    return answer


def edit_cluster(ctx: Context, req: Request) -> None:
    """Replace the spec; a running cluster restarts to apply it."""
    record = _cluster(ctx, req.need("cluster_id"))
    spec = _cluster_spec(ctx, req.body)
    kept = {k: record[k] for k in CLUSTER_SERVER_FIELDS if k in record}
    running = phase(record, ctx) in ("PENDING", "RUNNING")
    lifecycle = {k: record[k] for k in ("_since_ms", "_phases")}
    record.clear()
    record.update({**spec, **kept, **lifecycle})
    if running:
        begin(record, ctx, "RESTARTING", "RUNNING")


def start_cluster(ctx: Context, req: Request) -> None:
    cluster_id = req.need("cluster_id")
    record = _cluster(ctx, cluster_id)
    state = phase(record, ctx)
    if state != "TERMINATED":
        raise ApiError(
            400, "INVALID_STATE", f"Cluster {cluster_id} is in unexpected state {state}."
        )
    begin(record, ctx, "PENDING", "RUNNING")


def delete_cluster(ctx: Context, req: Request) -> None:
    record = _cluster(ctx, req.need("cluster_id"))
    if phase(record, ctx) != "TERMINATED":
        begin(record, ctx, "TERMINATING", "TERMINATED")


def permanent_delete_cluster(ctx: Context, req: Request) -> None:
    cluster_id = req.need("cluster_id")
    _cluster(ctx, cluster_id)
    del ctx.store.collection(CLUSTERS)[cluster_id]
    permissions.drop(ctx, "clusters", cluster_id)


def spark_versions(ctx: Context, req: Request) -> dict[str, Any]:
    keys = ("13.3.x-scala2.12", "14.3.x-scala2.12", "15.4.x-scala2.12")
    return {"versions": [{"key": k, "name": f"{k[:4]} LTS (Scala 2.12)"} for k in keys]}


def node_types(ctx: Context, req: Request) -> dict[str, Any]:
    sizes = (("i3.xlarge", 4, 31232), ("i3.2xlarge", 8, 62464), ("m5d.large", 2, 8192))
    return {
        "node_types": [
            {
                "node_type_id": n,
                "num_cores": c,
                "memory_mb": m,
                "description": n,
                "category": "General",
            }
            for n, c, m in sizes
        ]
    }


# --- cluster policies ---------------------------------------------------------------------


def _policy_fields(ctx: Context, req: Request, *, policy_id: str | None) -> dict[str, Any]:
    fields = sdk_shape(compute.Policy, req.body)
    name = fields.get("name")
    if not name:
        raise invalid("Missing required field: name")
    if any(
        p["name"] == name and p["policy_id"] != policy_id
        for p in ctx.store.collection(POLICIES).values()
    ):
        raise already_exists(f"Policy with name {name} already exists", status=400)
    try:
        json.loads(fields.get("definition") or "{}")
    except ValueError:
        raise invalid(f"The definition of policy {name} is not valid JSON.") from None
    for server_set in ("policy_id", "creator_user_name", "created_at_timestamp", "is_default"):
        fields.pop(server_set, None)
    return fields


def _policy(ctx: Context, policy_id: str) -> dict[str, Any]:
    error = not_found(f"Cluster policy {policy_id} does not exist.")
    return require(ctx.store.collection(POLICIES), policy_id, error)


def create_policy(ctx: Context, req: Request) -> dict[str, Any]:
    fields = _policy_fields(ctx, req, policy_id=None)
    policy_id = new_hex_id(16)
    ctx.store.collection(POLICIES)[policy_id] = {
        **fields,
        "policy_id": policy_id,
        "creator_user_name": ctx.user_name,
        "created_at_timestamp": ctx.now_ms(),
        "is_default": False,
    }
    return {"policy_id": policy_id}


def get_policy(ctx: Context, req: Request) -> dict[str, Any]:
    return _policy(ctx, req.need("policy_id"))


def list_policies(ctx: Context, req: Request) -> dict[str, Any]:
    policies = list(ctx.store.collection(POLICIES).values())
    return {"policies": policies, "total_count": len(policies)}


def edit_policy(ctx: Context, req: Request) -> None:
    policy_id = req.need("policy_id")
    record = _policy(ctx, policy_id)
    fields = _policy_fields(ctx, req, policy_id=policy_id)
    kept = {k: record[k] for k in ("policy_id", "creator_user_name", "created_at_timestamp")}
    record.clear()
    record.update({**fields, **kept, "is_default": False})


def delete_policy(ctx: Context, req: Request) -> None:
    policy_id = req.need("policy_id")
    _policy(ctx, policy_id)
    del ctx.store.collection(POLICIES)[policy_id]
    permissions.drop(ctx, "cluster-policies", policy_id)


# --- instance pools -----------------------------------------------------------------------


def _pool(ctx: Context, pool_id: str) -> dict[str, Any]:
    error = not_found(f"Instance pool {pool_id} does not exist.")
    return require(ctx.store.collection(POOLS), pool_id, error)


def _pool_fields(req: Request) -> dict[str, Any]:
    fields = sdk_shape(compute.GetInstancePool, {"instance_pool_id": "", **req.body})
    for field in ("instance_pool_name", "node_type_id"):
        if not fields.get(field):
            raise invalid(f"Missing required field: {field}")
    for server_set in ("instance_pool_id", "state", "stats", "status", "default_tags"):
        fields.pop(server_set, None)
    return fields


def create_pool(ctx: Context, req: Request) -> dict[str, Any]:
    fields = _pool_fields(req)
    pool_id = f"{datetime.fromtimestamp(ctx.clock.time(), tz=UTC):%m%d-%H%M%S}-pool-{new_hex_id(8)}"
    ctx.store.collection(POOLS)[pool_id] = {
        **fields,
        "instance_pool_id": pool_id,
        "state": "ACTIVE",
        "default_tags": {"Vendor": "Databricks", "DatabricksInstancePoolId": pool_id},
        "stats": {
            "idle_count": 0,
            "used_count": 0,
            "pending_idle_count": 0,
            "pending_used_count": 0,
        },
    }
    return {"instance_pool_id": pool_id}


def get_pool(ctx: Context, req: Request) -> dict[str, Any]:
    return _pool(ctx, req.need("instance_pool_id"))


def list_pools(ctx: Context, req: Request) -> dict[str, Any]:
    return {"instance_pools": list(ctx.store.collection(POOLS).values())}


def edit_pool(ctx: Context, req: Request) -> None:
    pool_id = req.need("instance_pool_id")
    record = _pool(ctx, pool_id)
    record.update(_pool_fields(req))


def delete_pool(ctx: Context, req: Request) -> None:
    pool_id = req.need("instance_pool_id")
    _pool(ctx, pool_id)
    del ctx.store.collection(POOLS)[pool_id]
    permissions.drop(ctx, "instance-pools", pool_id)


# --- global init scripts ------------------------------------------------------------------


def _script(ctx: Context, script_id: str) -> dict[str, Any]:
    error = not_found(f"Global init script {script_id} does not exist.")
    return require(ctx.store.collection(INIT_SCRIPTS), script_id, error)


def create_script(ctx: Context, req: Request) -> dict[str, Any]:
    name, script = req.need("name"), req.need("script")
    scripts = ctx.store.collection(INIT_SCRIPTS)
    script_id = new_hex_id(16)
    scripts[script_id] = {
        "script_id": script_id,
        "name": name,
        "script": script,
        "enabled": req.bool_arg("enabled"),
        "position": req.int_arg("position", len(scripts)),
        "created_at": ctx.now_ms(),
        "created_by": ctx.user_name,
        "updated_at": ctx.now_ms(),
        "updated_by": ctx.user_name,
    }
    return {"script_id": script_id}


def get_script(ctx: Context, req: Request) -> dict[str, Any]:
    return _script(ctx, req.params["script_id"])


def list_scripts(ctx: Context, req: Request) -> dict[str, Any]:
    scripts = sorted(ctx.store.collection(INIT_SCRIPTS).values(), key=lambda s: s["position"])
    return {"scripts": [{k: v for k, v in s.items() if k != "script"} for s in scripts]}


def update_script(ctx: Context, req: Request) -> None:
    record = _script(ctx, req.params["script_id"])
    record.update(name=req.need("name"), script=req.need("script"))
    record["enabled"] = req.bool_arg("enabled", record["enabled"])
    record["position"] = req.int_arg("position", record["position"])
    record.update(updated_at=ctx.now_ms(), updated_by=ctx.user_name)


def delete_script(ctx: Context, req: Request) -> None:
    script_id = req.params["script_id"]
    _script(ctx, script_id)
    del ctx.store.collection(INIT_SCRIPTS)[script_id]


def register(router: Router) -> None:
    for verb, handler in (
        ("create", create_cluster),
        ("edit", edit_cluster),
        ("start", start_cluster),
        ("delete", delete_cluster),
        ("permanent-delete", permanent_delete_cluster),
    ):
        router.add("POST", f"/api/2.1/clusters/{verb}", handler)
    router.add("GET", "/api/2.1/clusters/get", get_cluster)
    router.add("GET", "/api/2.1/clusters/list", list_clusters)
    router.add("GET", "/api/2.1/clusters/spark-versions", spark_versions)
    router.add("GET", "/api/2.1/clusters/list-node-types", node_types)
    router.add("POST", "/api/2.0/policies/clusters/create", create_policy)
    router.add("GET", "/api/2.0/policies/clusters/get", get_policy)
    router.add("GET", "/api/2.0/policies/clusters/list", list_policies)
    router.add("POST", "/api/2.0/policies/clusters/edit", edit_policy)
    router.add("POST", "/api/2.0/policies/clusters/delete", delete_policy)
    router.add("POST", "/api/2.0/instance-pools/create", create_pool)
    router.add("GET", "/api/2.0/instance-pools/get", get_pool)
    router.add("GET", "/api/2.0/instance-pools/list", list_pools)
    router.add("POST", "/api/2.0/instance-pools/edit", edit_pool)
    router.add("POST", "/api/2.0/instance-pools/delete", delete_pool)
    router.add("POST", "/api/2.0/global-init-scripts", create_script)
    router.add("GET", "/api/2.0/global-init-scripts", list_scripts)
    router.add("GET", "/api/2.0/global-init-scripts/{script_id}", get_script)
    router.add("PATCH", "/api/2.0/global-init-scripts/{script_id}", update_script)
    router.add("DELETE", "/api/2.0/global-init-scripts/{script_id}", delete_script)
