"""Unity Catalog: catalogs, schemas, tables, volumes, storage credentials and external
locations, in the SDK's `catalog` shapes. Grants live in `uc_grants`.

Every securable kind shares one set of handlers (get, list, update with rename, delete),
driven by a `Securable` row; only create differs per kind. Names are case-insensitive and
stored lower-case, as Unity Catalog does. A new catalog holds `information_schema`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from databricks.sdk.service import catalog

from standby.sandbox.api import (
    Context,
    Request,
    Router,
    already_exists,
    invalid,
    not_found,
    page,
    sdk_shape,
)

GRANTS = "uc_grants"
IMMUTABLE = ("name", "full_name", "catalog_name", "schema_name", "metastore_id", "created_at")
SECRET_FIELDS = ("client_secret",)  # azure_service_principal.client_secret: write-only


@dataclass(frozen=True)
class Securable:
    """One kind of Unity Catalog object: its label in messages, store and SDK shape."""

    label: str
    collection: str
    info: Any
    securable_type: str
    list_field: str
    depth: int  # name parts: catalog 1, schema 2, table/volume 3; credentials/locations 1


CATALOG = Securable("Catalog", "uc_catalogs", catalog.CatalogInfo, "catalog", "catalogs", 1)
SCHEMA = Securable("Schema", "uc_schemas", catalog.SchemaInfo, "schema", "schemas", 2)
TABLE = Securable("Table", "uc_tables", catalog.TableInfo, "table", "tables", 3)
VOLUME = Securable("Volume", "uc_volumes", catalog.VolumeInfo, "volume", "volumes", 3)
CREDENTIAL = Securable(
    "Storage Credential",
    "uc_storage_credentials",
    catalog.StorageCredentialInfo,
    "storage_credential",
    "storage_credentials",
    1,
)
LOCATION = Securable(
    "External Location",
    "uc_external_locations",
    catalog.ExternalLocationInfo,
    "external_location",
    "external_locations",
    1,
)
KINDS = (CATALOG, SCHEMA, TABLE, VOLUME, CREDENTIAL, LOCATION)
BY_TYPE = {k.securable_type: k for k in KINDS}


def lookup(ctx: Context, kind: Securable, key: str) -> dict[str, Any]:
    """The record named `key` (case-insensitive), or 404 in Unity Catalog's words."""
    record = ctx.store.collection(kind.collection).get(key.lower())
    if record is None:
        raise not_found(f"{kind.label} '{key}' does not exist.")
    return record


def _answer(kind: Securable, record: dict[str, Any]) -> dict[str, Any]:
    shaped = sdk_shape(kind.info, record)
    for value in shaped.values():
        if isinstance(value, dict):
            for secret in SECRET_FIELDS:
                value.pop(secret, None)
    return shaped


def _insert(ctx: Context, kind: Securable, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    key = key.lower()
    records = ctx.store.collection(kind.collection)
    if key in records:
        raise already_exists(f"{kind.label} '{key}' already exists.")
    now = ctx.now_ms()
    record = {
        **fields,
        "owner": fields.get("owner") or ctx.user_name,
        "metastore_id": ctx.store.meta.setdefault("metastore_id", str(uuid.uuid4())),
        "created_at": now,
        "created_by": ctx.user_name,
        "updated_at": now,
        "updated_by": ctx.user_name,
    }
    records[key] = record
    return record


def _parent(ctx: Context, kind: Securable, *parts: str) -> None:
    lookup(ctx, kind, ".".join(parts))


def _name(req: Request, field: str = "name") -> str:
    name = req.need(field)
    if "." in name or "/" in name or name.strip() != name:
        raise invalid(f"Invalid name {name!r}: names cannot contain '.', '/' or edge spaces.")
    return name.lower()


def create_catalog(ctx: Context, req: Request) -> dict[str, Any]:
    name = _name(req)
    fields = sdk_shape(catalog.CatalogInfo, req.body)
    fields.update(name=name, full_name=name, catalog_type="MANAGED_CATALOG")
    fields.setdefault("isolation_mode", "OPEN")
    if fields.get("storage_root"):
        fields["storage_location"] = fields["storage_root"]
    record = _insert(ctx, CATALOG, name, fields)
    system = f"{name}.information_schema"
    _insert(
        ctx,
        SCHEMA,
        system,
        {
            "name": "information_schema",
            "catalog_name": name,
            "full_name": system,
            "owner": "System user",
        },
    )
    return _answer(CATALOG, record)


def create_schema(ctx: Context, req: Request) -> dict[str, Any]:
    name, catalog_name = _name(req), _name(req, "catalog_name")
    _parent(ctx, CATALOG, catalog_name)
    fields = sdk_shape(catalog.SchemaInfo, req.body)
    fields.update(name=name, catalog_name=catalog_name, full_name=f"{catalog_name}.{name}")
    return _answer(SCHEMA, _insert(ctx, SCHEMA, fields["full_name"], fields))


def _overlapping(ctx: Context, location: str, *, skip: str | None = None) -> str | None:
    """The table whose storage location overlaps `location`, if any (UC forbids it)."""
    mine = location.rstrip("/") + "/"
    for key, table in ctx.store.collection(TABLE.collection).items():
        other = (table.get("storage_location") or "").rstrip("/") + "/"
        if key != skip and other != "/" and (mine.startswith(other) or other.startswith(mine)):
            return key
    return None


def create_table(ctx: Context, req: Request) -> dict[str, Any]:
    name = _name(req)
    catalog_name, schema_name = _name(req, "catalog_name"), _name(req, "schema_name")
    _parent(ctx, SCHEMA, catalog_name, schema_name)
    fields = sdk_shape(catalog.TableInfo, req.body)
    table_type = fields.get("table_type")
    if table_type not in ("EXTERNAL", "MANAGED"):
        raise invalid(f"table_type must be EXTERNAL or MANAGED, not {table_type!r}.")
    full_name = f"{catalog_name}.{schema_name}.{name}"
    location = fields.get("storage_location")
    if table_type == "EXTERNAL" and not location:
        raise invalid(f"An EXTERNAL table needs a storage_location: {full_name}.")
    if location and (clash := _overlapping(ctx, location)):
        raise invalid(f"Storage location {location} overlaps with table {clash}.")
    fields.setdefault("data_source_format", "DELTA")
    fields.update(name=name, catalog_name=catalog_name, schema_name=schema_name)
    fields.update(full_name=full_name, table_id=str(uuid.uuid4()))
    return _answer(TABLE, _insert(ctx, TABLE, full_name, fields))


def create_volume(ctx: Context, req: Request) -> dict[str, Any]:
    name = _name(req)
    catalog_name, schema_name = _name(req, "catalog_name"), _name(req, "schema_name")
    _parent(ctx, SCHEMA, catalog_name, schema_name)
    fields = sdk_shape(catalog.VolumeInfo, req.body)
    if fields.get("volume_type") == "EXTERNAL" and not fields.get("storage_location"):
        raise invalid("An EXTERNAL volume needs a storage_location.")
    full_name = f"{catalog_name}.{schema_name}.{name}"
    fields.update(name=name, catalog_name=catalog_name, schema_name=schema_name)
    fields.update(full_name=full_name, volume_id=str(uuid.uuid4()))
    return _answer(VOLUME, _insert(ctx, VOLUME, full_name, fields))


def create_credential(ctx: Context, req: Request) -> dict[str, Any]:
    name = _name(req)
    fields = sdk_shape(catalog.StorageCredentialInfo, req.body)
    clouds = ("aws_iam_role", "azure_managed_identity", "azure_service_principal")
    if not any(c in fields for c in (*clouds, "databricks_gcp_service_account")):
        raise invalid(f"Storage credential {name} needs one of {', '.join(clouds)}.")
    fields.update(name=name, full_name=name, id=str(uuid.uuid4()))
    return _answer(CREDENTIAL, _insert(ctx, CREDENTIAL, name, fields))


def create_location(ctx: Context, req: Request) -> dict[str, Any]:
    name, url = _name(req), req.need("url")
    credential = lookup(ctx, CREDENTIAL, req.need("credential_name"))
    for other in ctx.store.collection(LOCATION.collection).values():
        a, b = other["url"].rstrip("/") + "/", url.rstrip("/") + "/"
        if a.startswith(b) or b.startswith(a):
            raise invalid(
                f"External location {name} overlaps with {other['name']} ({other['url']})."
            )
    fields = sdk_shape(catalog.ExternalLocationInfo, req.body)
    fields.update(name=name, credential_id=credential["id"], credential_name=credential["name"])
    return _answer(LOCATION, _insert(ctx, LOCATION, name, fields))


def _children(ctx: Context, kind: Securable, key: str) -> list[tuple[Securable, str]]:
    """Objects inside `key` (a catalog's schemas, tables, volumes; a schema's tables...)."""
    if kind not in (CATALOG, SCHEMA):
        return []
    prefix = key + "."
    return [
        (child, k)
        for child in (SCHEMA, TABLE, VOLUME)
        for k in ctx.store.collection(child.collection)
        if k.startswith(prefix)
    ]


def _users_of(ctx: Context, kind: Securable, key: str) -> list[str]:
    if kind is CREDENTIAL:
        return [
            n
            for n, loc in ctx.store.collection(LOCATION.collection).items()
            if loc["credential_name"] == key
        ]
    return [k for child, k in _children(ctx, kind, key) if not k.endswith(".information_schema")]


def _rename(ctx: Context, kind: Securable, old: str, new: str) -> None:
    """Re-key the object, its children and their grants under the new name."""
    moves = [(kind, old, new)] + [
        (child, k, new + k[len(old) :]) for child, k in _children(ctx, kind, old)
    ]
    grants = ctx.store.collection(GRANTS)
    for moved, before, after in moves:
        records = ctx.store.collection(moved.collection)
        record = records.pop(before)
        parts = after.split(".")
        record["full_name"] = after
        record["name"] = parts[-1]
        if moved.depth >= 2:
            record["catalog_name"] = parts[0]
        if moved.depth == 3:
            record["schema_name"] = parts[1]
        records[after] = record
        if f"{moved.securable_type}/{before}" in grants:
            grants[f"{moved.securable_type}/{after}"] = grants.pop(
                f"{moved.securable_type}/{before}"
            )


def _key(req: Request) -> str:
    return req.params["name"].lower()


def handlers(kind: Securable) -> dict[str, Callable[[Context, Request], Any]]:
    """get / list / update / delete for one kind."""

    def get(ctx: Context, req: Request) -> dict[str, Any]:
        return _answer(kind, lookup(ctx, kind, _key(req)))

    def list_(ctx: Context, req: Request) -> dict[str, Any]:
        records = list(ctx.store.collection(kind.collection).values())
        if kind.depth >= 2:
            records = [
                r for r in records if r["catalog_name"] == (req.need("catalog_name")).lower()
            ]
            if kind.depth == 2:
                _parent(ctx, CATALOG, req.need("catalog_name"))
        if kind.depth == 3:
            _parent(ctx, SCHEMA, req.need("catalog_name"), req.need("schema_name"))
            records = [r for r in records if r["schema_name"] == req.need("schema_name").lower()]
        limit = req.int_arg("max_results")
        if limit is not None and limit < 0:
            raise invalid(f"max_results must be >= 0, not {limit}.")
        chunk, token = page(records, token=req.arg("page_token"), limit=limit, default_limit=10000)
        answer: dict[str, Any] = {kind.list_field: [_answer(kind, r) for r in chunk]}
        if token:
            answer["next_page_token"] = token
        return answer

    def update(ctx: Context, req: Request) -> dict[str, Any]:
        key = _key(req)
        record = lookup(ctx, kind, key)
        changes = sdk_shape(kind.info, req.body)
        for field in (*IMMUTABLE, "id", "table_id", "volume_id", "credential_id"):
            changes.pop(field, None)
        if "credential_name" in changes:
            changes["credential_id"] = lookup(ctx, CREDENTIAL, changes["credential_name"])["id"]
        record.update(changes, updated_at=ctx.now_ms(), updated_by=ctx.user_name)
        new_name = req.body.get("new_name")
        if new_name and new_name.lower() != record["name"]:
            parent = key.rsplit(".", 1)[0] + "." if kind.depth > 1 else ""
            target = parent + new_name.lower()
            if target in ctx.store.collection(kind.collection):
                raise already_exists(f"{kind.label} '{target}' already exists.")
            _rename(ctx, kind, key, target)
            key = target
        return _answer(kind, ctx.store.collection(kind.collection)[key])

    def delete(ctx: Context, req: Request) -> None:
        key = _key(req)
        lookup(ctx, kind, key)
        users = _users_of(ctx, kind, key)
        if users and not req.bool_arg("force"):
            raise invalid(
                f"{kind.label} '{key}' is not empty (it holds or is used by "
                f"{', '.join(sorted(users)[:5])}); delete those first or pass force."
            )
        grants = ctx.store.collection(GRANTS)
        for child, child_key in [(kind, key), *_children(ctx, kind, key)]:
            ctx.store.collection(child.collection).pop(child_key, None)
            grants.pop(f"{child.securable_type}/{child_key}", None)

    return {"get": get, "list": list_, "update": update, "delete": delete}


def table_exists(ctx: Context, req: Request) -> dict[str, Any]:
    return {"table_exists": req.params["name"].lower() in ctx.store.collection(TABLE.collection)}


def metastore_assignment(ctx: Context, req: Request) -> dict[str, Any]:
    metastore = ctx.store.meta.setdefault("metastore_id", str(uuid.uuid4()))
    workspace = int(ctx.store.meta["workspace_id"])
    return {"metastore_id": metastore, "workspace_id": workspace, "default_catalog_name": "main"}


def metastore_summary(ctx: Context, req: Request) -> dict[str, Any]:
    metastore = ctx.store.meta.setdefault("metastore_id", str(uuid.uuid4()))
    return sdk_shape(
        catalog.GetMetastoreSummaryResponse,
        {"metastore_id": metastore, "name": f"{ctx.store.meta['name']}-metastore", "cloud": "aws"},
    )


def register(router: Router) -> None:
    base = "/api/2.1/unity-catalog"
    creators = {
        CATALOG: create_catalog,
        SCHEMA: create_schema,
        TABLE: create_table,
        VOLUME: create_volume,
        CREDENTIAL: create_credential,
        LOCATION: create_location,
    }
    router.add("GET", f"{base}/tables/{{name}}/exists", table_exists)
    for kind, create in creators.items():
        path = f"{base}/{kind.list_field.replace('_', '-')}"
        crud = handlers(kind)
        router.add("POST", path, create)
        router.add("GET", path, crud["list"])
        router.add("GET", path + "/{name}", crud["get"])
        router.add("PATCH", path + "/{name}", crud["update"])
        router.add("DELETE", path + "/{name}", crud["delete"])
    router.add("GET", f"{base}/current-metastore-assignment", metastore_assignment)
    router.add("GET", f"{base}/metastore_summary", metastore_summary)
