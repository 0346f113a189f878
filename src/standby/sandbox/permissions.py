"""Object permissions (`/api/2.0/permissions/{type}/{id}`) for jobs, clusters, cluster
policies, instance pools, SQL warehouses, notebooks and directories.

Stored per object as the direct grants; answers add what the real service shows beside
them: the job owner (IS_OWNER) and the `admins` group's inherited CAN_MANAGE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from databricks.sdk.service import iam

from standby.sandbox.api import Context, Request, Router, invalid, not_found, sdk_shape
from standby.sandbox.state import (
    CLUSTERS,
    JOBS,
    OBJECTS,
    PERMISSIONS,
    POLICIES,
    POOLS,
    WAREHOUSES,
)

PRINCIPALS = ("user_name", "group_name", "service_principal_name")
NOTEBOOK_LEVELS = ("CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE")


@dataclass(frozen=True)
class ObjectKind:
    """One `request_object_type`: where its objects live and the levels it accepts."""

    object_type: str
    id_prefix: str
    levels: tuple[str, ...]
    exists: Callable[[Context, str], bool]
    owned: bool = False


def _in(collection: str) -> Callable[[Context, str], bool]:
    return lambda ctx, object_id: object_id in ctx.store.collection(collection)


def _workspace_object(object_type: str) -> Callable[[Context, str], bool]:
    def exists(ctx: Context, object_id: str) -> bool:
        return any(
            str(o["object_id"]) == object_id and o["object_type"] == object_type
            for o in ctx.store.collection(OBJECTS).values()
        )

    return exists


KINDS: dict[str, ObjectKind] = {
    "jobs": ObjectKind(
        "job", "/jobs/", ("CAN_VIEW", "CAN_MANAGE_RUN", "IS_OWNER", "CAN_MANAGE"), _in(JOBS), True
    ),
    "clusters": ObjectKind(
        "cluster", "/clusters/", ("CAN_ATTACH_TO", "CAN_RESTART", "CAN_MANAGE"), _in(CLUSTERS)
    ),
    "cluster-policies": ObjectKind(
        "cluster-policy", "/cluster-policies/", ("CAN_USE",), _in(POLICIES)
    ),
    "instance-pools": ObjectKind(
        "instance-pool", "/instance-pools/", ("CAN_ATTACH_TO", "CAN_MANAGE"), _in(POOLS)
    ),
    "warehouses": ObjectKind(
        "warehouse",
        "/sql/warehouses/",
        ("CAN_VIEW", "CAN_MONITOR", "CAN_USE", "CAN_MANAGE", "IS_OWNER"),
        _in(WAREHOUSES),
        True,
    ),
    "notebooks": ObjectKind(
        "notebook", "/notebooks/", NOTEBOOK_LEVELS, _workspace_object("NOTEBOOK")
    ),
    "directories": ObjectKind(
        "directory", "/directories/", NOTEBOOK_LEVELS, _workspace_object("DIRECTORY")
    ),
}


def _kind(name: str) -> ObjectKind:
    kind = KINDS.get(name)
    if kind is None:
        raise invalid(
            f"Permissions for object type {name!r} are not supported; "
            f"use one of {', '.join(sorted(KINDS))}."
        )
    return kind


def _principal(entry: dict[str, Any]) -> tuple[str, str]:
    named = [(p, entry[p]) for p in PRINCIPALS if entry.get(p)]
    if len(named) != 1:
        raise invalid(
            "Each access control entry needs exactly one of user_name, group_name, "
            "service_principal_name."
        )
    return named[0]


def _checked(kind: ObjectKind, acl: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The entries by principal, each validated against the kind's permission levels."""
    by_principal: dict[str, dict[str, Any]] = {}
    for raw in acl:
        entry = sdk_shape(iam.AccessControlRequest, raw)
        field, name = _principal(entry)
        level = entry.get("permission_level")
        if level not in kind.levels:
            raise invalid(
                f"Permission level {level!r} is not valid for a {kind.object_type}; "
                f"use one of {', '.join(kind.levels)}."
            )
        by_principal[f"{field}:{name}"] = {field: name, "permission_level": level}
    owners = [e for e in by_principal.values() if e["permission_level"] == "IS_OWNER"]
    if len(owners) > 1:
        raise invalid(f"A {kind.object_type} can have only one owner.")
    return by_principal


def replace_acl(ctx: Context, object_type: str, object_id: str, acl: list[dict[str, Any]]) -> None:
    """Set the direct grants of an object (used by create endpoints that take an ACL)."""
    ctx.store.collection(PERMISSIONS)[f"{object_type}/{object_id}"] = _checked(
        _kind(object_type), acl
    )


def drop(ctx: Context, object_type: str, object_id: str) -> None:
    """Forget an object's grants when the object is deleted."""
    ctx.store.collection(PERMISSIONS).pop(f"{object_type}/{object_id}", None)


def _answer(ctx: Context, object_type: str, object_id: str) -> dict[str, Any]:
    kind = _kind(object_type)
    direct = ctx.store.collection(PERMISSIONS).get(f"{object_type}/{object_id}", {})
    acl = [
        {**{k: v for k, v in e.items() if k in PRINCIPALS}, "all_permissions": [_level(e)]}
        for e in direct.values()
    ]
    if kind.owned and not any(e["permission_level"] == "IS_OWNER" for e in direct.values()):
        owner = {"user_name": ctx.user_name, "permission_level": "IS_OWNER"}
        acl.insert(0, {"user_name": ctx.user_name, "all_permissions": [_level(owner)]})
    acl.append(
        {
            "group_name": "admins",
            "all_permissions": [
                {
                    "permission_level": "CAN_MANAGE",
                    "inherited": True,
                    "inherited_from_object": [kind.id_prefix.rstrip("/") + "/"],
                }
            ],
        }
    )
    return sdk_shape(
        iam.ObjectPermissions,
        {
            "object_id": kind.id_prefix + object_id,
            "object_type": kind.object_type,
            "access_control_list": acl,
        },
    )


def _level(entry: dict[str, Any]) -> dict[str, Any]:
    return {"permission_level": entry["permission_level"], "inherited": False}


def _existing(ctx: Context, req: Request) -> tuple[str, str]:
    object_type, object_id = req.params["object_type"], req.params["object_id"]
    if not _kind(object_type).exists(ctx, object_id):
        raise not_found(f"{_kind(object_type).object_type} {object_id} does not exist.")
    return object_type, object_id


def get(ctx: Context, req: Request) -> dict[str, Any]:
    return _answer(ctx, *_existing(ctx, req))


def set_(ctx: Context, req: Request) -> dict[str, Any]:
    object_type, object_id = _existing(ctx, req)
    replace_acl(ctx, object_type, object_id, req.body.get("access_control_list", []))
    return _answer(ctx, object_type, object_id)


def update(ctx: Context, req: Request) -> dict[str, Any]:
    object_type, object_id = _existing(ctx, req)
    key = f"{object_type}/{object_id}"
    current = ctx.store.collection(PERMISSIONS).get(key, {})
    given = _checked(_kind(object_type), req.body.get("access_control_list", []))
    merged = {**current, **given}
    _checked(_kind(object_type), list(merged.values()))
    ctx.store.collection(PERMISSIONS)[key] = merged
    return _answer(ctx, object_type, object_id)


def levels(ctx: Context, req: Request) -> dict[str, Any]:
    kind = _kind(_existing(ctx, req)[0])
    return {"permission_levels": [{"permission_level": lv} for lv in kind.levels]}


def register(router: Router) -> None:
    base = "/api/2.0/permissions/{object_type}/{object_id}"
    router.add("GET", base + "/permissionLevels", levels)
    router.add("GET", base, get)
    router.add("PUT", base, set_)
    router.add("PATCH", base, update)
