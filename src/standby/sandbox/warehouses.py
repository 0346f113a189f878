"""SQL warehouses: create, get, list, edit, start, stop, delete, in the SDK's `sql` shapes.

A new or started warehouse is STARTING then RUNNING; a stopped one STOPPING then STOPPED,
one `step_seconds` per phase, so `create_and_wait` / `start_and_wait` poll as against Databricks.
"""

from __future__ import annotations

from typing import Any

from databricks.sdk.service import sql

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
from standby.sandbox.state import WAREHOUSES

SIZES = (
    "2X-Small",
    "X-Small",
    "Small",
    "Medium",
    "Large",
    "X-Large",
    "2X-Large",
    "3X-Large",
    "4X-Large",
)
DEFAULTS: dict[str, Any] = {
    "auto_stop_mins": 120,
    "min_num_clusters": 1,
    "max_num_clusters": 1,
    "spot_instance_policy": "COST_OPTIMIZED",
    "enable_photon": True,
    "warehouse_type": "CLASSIC",
    "channel": {"name": "CHANNEL_NAME_CURRENT"},
}
SERVER_FIELDS = ("id", "creator_name", "jdbc_url", "odbc_params", "num_clusters", "health")


def _warehouse(ctx: Context, warehouse_id: str) -> dict[str, Any]:
    error = not_found(f"SQL warehouse {warehouse_id} does not exist.")
    return require(ctx.store.collection(WAREHOUSES), warehouse_id, error)


def _fields(ctx: Context, body: dict[str, Any], *, warehouse_id: str | None) -> dict[str, Any]:
    fields = sdk_shape(sql.EndpointInfo, body)
    for server_set in (*SERVER_FIELDS, "state", "num_active_sessions"):
        fields.pop(server_set, None)
    name = fields.get("name")
    if warehouse_id is None and not name:
        raise invalid("Missing required field: name")
    if name and any(
        w["name"] == name and w["id"] != warehouse_id
        for w in ctx.store.collection(WAREHOUSES).values()
    ):
        raise already_exists(f"A SQL warehouse named {name} already exists.", status=400)
    size = fields.get("cluster_size")
    if size is not None and size not in SIZES:
        raise invalid(f"cluster_size {size!r} is not one of {', '.join(SIZES)}.")
    return fields


def _check_scaling(record: dict[str, Any]) -> None:
    low, high = record.get("min_num_clusters", 1), record.get("max_num_clusters", 1)
    if not 1 <= low <= high:
        raise invalid(f"min_num_clusters ({low}) must be >= 1 and <= max_num_clusters ({high}).")


def _view(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    view = public(record)
    view["state"] = phase(record, ctx)
    view["num_clusters"] = view.get("min_num_clusters", 1) if view["state"] == "RUNNING" else 0
    view["num_active_sessions"] = 0
    return sdk_shape(sql.GetWarehouseResponse, view)


def create(ctx: Context, req: Request) -> dict[str, Any]:
    fields = _fields(ctx, req.body, warehouse_id=None)
    if not fields.get("cluster_size"):
        raise invalid("Missing required field: cluster_size")
    warehouse_id = new_hex_id(16, upper=False)
    record = {
        **DEFAULTS,
        **fields,
        "id": warehouse_id,
        "creator_name": ctx.user_name,
        "jdbc_url": f"jdbc:spark://sandbox:443/default;httpPath=/sql/1.0/warehouses/{warehouse_id}",
        "odbc_params": {
            "hostname": "sandbox",
            "path": f"/sql/1.0/warehouses/{warehouse_id}",
            "protocol": "https",
            "port": 443,
        },
        "health": {"status": "HEALTHY"},
    }
    _check_scaling(record)
    begin(record, ctx, "STARTING", "RUNNING")
    ctx.store.collection(WAREHOUSES)[warehouse_id] = record
    return {"id": warehouse_id}


def get(ctx: Context, req: Request) -> dict[str, Any]:
    return _view(ctx, _warehouse(ctx, req.params["id"]))


def list_warehouses(ctx: Context, req: Request) -> dict[str, Any]:
    records = list(ctx.store.collection(WAREHOUSES).values())
    chunk, token = page(
        records, token=req.arg("page_token"), limit=req.int_arg("page_size"), default_limit=100
    )
    answer: dict[str, Any] = {"warehouses": [_view(ctx, r) for r in chunk]}
    if token:
        answer["next_page_token"] = token
    return answer


def edit(ctx: Context, req: Request) -> None:
    """Change the given fields; a running warehouse restarts to apply them."""
    warehouse_id = req.params["id"]
    record = _warehouse(ctx, warehouse_id)
    changed = {**record, **_fields(ctx, req.body, warehouse_id=warehouse_id)}
    _check_scaling(changed)
    running = phase(record, ctx) in ("STARTING", "RUNNING")
    record.update(changed)
    if running:
        begin(record, ctx, "STARTING", "RUNNING")


def start(ctx: Context, req: Request) -> None:
    record = _warehouse(ctx, req.params["id"])
    if phase(record, ctx) not in ("STARTING", "RUNNING"):
        begin(record, ctx, "STARTING", "RUNNING")


def stop(ctx: Context, req: Request) -> None:
    record = _warehouse(ctx, req.params["id"])
    state = phase(record, ctx)
    if state == "STARTING":
        raise ApiError(400, "INVALID_STATE", f"Warehouse {req.params['id']} is still starting.")
    if state == "RUNNING":
        begin(record, ctx, "STOPPING", "STOPPED")


def delete(ctx: Context, req: Request) -> None:
    warehouse_id = req.params["id"]
    _warehouse(ctx, warehouse_id)
    del ctx.store.collection(WAREHOUSES)[warehouse_id]
    permissions.drop(ctx, "warehouses", warehouse_id)


def register(router: Router) -> None:
    router.add("POST", "/api/2.0/sql/warehouses", create)
    router.add("GET", "/api/2.0/sql/warehouses", list_warehouses)
    router.add("GET", "/api/2.0/sql/warehouses/{id}", get)
    router.add("DELETE", "/api/2.0/sql/warehouses/{id}", delete)
    router.add("POST", "/api/2.0/sql/warehouses/{id}/edit", edit)
    router.add("POST", "/api/2.0/sql/warehouses/{id}/start", start)
    router.add("POST", "/api/2.0/sql/warehouses/{id}/stop", stop)
