"""Unity Catalog grants: `GET/PATCH /api/2.1/unity-catalog/permissions/{type}/{name}`.

Privileges are kept per securable and principal; PATCH applies `add` then `remove` for each
change. Unknown privileges are refused with the SDK's own list (`catalog.Privilege`).
"""

from __future__ import annotations

from typing import Any

from databricks.sdk.service import catalog

from standby.sandbox.api import Context, Request, Router, invalid, page
from standby.sandbox.unity_catalog import BY_TYPE, GRANTS, lookup

PRIVILEGES = {p.value for p in catalog.Privilege}


def _securable(ctx: Context, req: Request) -> str:
    """The grants key `type/full_name`, after checking the securable exists."""
    securable_type = req.params["securable_type"].lower().replace("-", "_")
    full_name = req.params["full_name"].lower()
    if securable_type == "metastore":
        return f"metastore/{full_name}"
    kind = BY_TYPE.get(securable_type)
    if kind is None:
        raise invalid(
            f"Securable type {securable_type!r} is not supported; "
            f"use one of metastore, {', '.join(sorted(BY_TYPE))}."
        )
    lookup(ctx, kind, full_name)
    return f"{securable_type}/{full_name}"


def _assignments(grants: dict[str, list[str]], principal: str | None) -> list[dict[str, Any]]:
    return [
        {"principal": p, "privileges": sorted(privs)}
        for p, privs in sorted(grants.items())
        if privs and (principal is None or p == principal)
    ]


def get(ctx: Context, req: Request) -> dict[str, Any]:
    grants = ctx.store.collection(GRANTS).get(_securable(ctx, req), {})
    items = _assignments(grants, req.arg("principal"))
    chunk, token = page(
        items, token=req.arg("page_token"), limit=req.int_arg("max_results"), default_limit=10000
    )
    answer: dict[str, Any] = {"privilege_assignments": chunk}
    if token:
        answer["next_page_token"] = token
    return answer


def update(ctx: Context, req: Request) -> dict[str, Any]:
    key = _securable(ctx, req)
    grants = {p: set(v) for p, v in ctx.store.collection(GRANTS).get(key, {}).items()}
    for change in req.body.get("changes") or []:
        principal = change.get("principal")
        if not principal:
            raise invalid("Each change needs a principal.")
        added, removed = change.get("add") or [], change.get("remove") or []
        unknown = sorted(set(added + removed) - PRIVILEGES)
        if unknown:
            raise invalid(f"Unknown privilege(s): {', '.join(unknown)}.")
        held = grants.setdefault(principal, set())
        held.update(added)
        held.difference_update(removed)
    stored = {p: sorted(v) for p, v in grants.items() if v}
    ctx.store.collection(GRANTS)[key] = stored
    if req.body.get("omit_permissions_in_response"):
        return {}
    return {"privilege_assignments": _assignments(stored, None)}


def register(router: Router) -> None:
    path = "/api/2.1/unity-catalog/permissions/{securable_type}/{full_name}"
    router.add("GET", path, get)
    router.add("PATCH", path, update)
