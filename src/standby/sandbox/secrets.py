"""Secrets: scopes, secrets and ACLs, as the Databricks Secrets API 2.0 answers them.

Values are kept (the sandbox stands in for a workspace that holds them) and returned only by
`secrets/get`, base64-encoded as the real API does; `secrets/list` gives keys and timestamps.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from standby.sandbox.api import Context, Request, Router, already_exists, invalid, not_found
from standby.sandbox.state import Store

SCOPES = "secret_scopes"
SCOPE_NAME = re.compile(r"^[\w.@-]{1,128}$")
PERMISSIONS = ("READ", "WRITE", "MANAGE")


def _scope(store: Store, name: str) -> dict[str, Any]:
    scope = store.collection(SCOPES).get(name)
    if scope is None:
        raise not_found(f"Scope {name} does not exist!")
    return scope


def create_scope(ctx: Context, req: Request) -> None:
    name = req.need("scope")
    if not SCOPE_NAME.match(name):
        raise invalid(
            f"Scope name {name!r} is invalid: use up to 128 letters, digits, '-', '_', '.', '@'."
        )
    scopes = ctx.store.collection(SCOPES)
    if name in scopes:
        raise already_exists(f"Scope {name} already exists!", status=400)
    backend = req.arg("scope_backend_type", "DATABRICKS")
    manager = req.arg("initial_manage_principal") or ctx.user_name
    scopes[name] = {
        "name": name,
        "backend_type": backend,
        "_secrets": {},
        "_acls": {manager: "MANAGE"},
    }
    keyvault = req.body.get("backend_azure_keyvault")
    if keyvault:
        scopes[name]["keyvault_metadata"] = keyvault


def list_scopes(ctx: Context, req: Request) -> dict[str, Any]:
    return {
        "scopes": [
            {k: v for k, v in s.items() if not k.startswith("_")}
            for s in ctx.store.collection(SCOPES).values()
        ]
    }


def delete_scope(ctx: Context, req: Request) -> None:
    name = req.need("scope")
    _scope(ctx.store, name)
    del ctx.store.collection(SCOPES)[name]


def put_secret(ctx: Context, req: Request) -> None:
    scope = _scope(ctx.store, req.need("scope"))
    key = req.need("key")
    if not SCOPE_NAME.match(key):
        raise invalid(f"Secret key {key!r} is invalid: use letters, digits, '-', '_', '.'.")
    text, raw = req.body.get("string_value"), req.body.get("bytes_value")
    if (text is None) == (raw is None):
        raise invalid("Exactly one of string_value and bytes_value must be given.")
    if raw is not None:
        try:
            base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("bytes_value must be base64-encoded.") from None
        value = raw
    else:
        value = base64.b64encode(str(text).encode()).decode()
    scope["_secrets"][key] = {"value": value, "last_updated_timestamp": ctx.now_ms()}


def list_secrets(ctx: Context, req: Request) -> dict[str, Any]:
    scope = _scope(ctx.store, req.need("scope"))
    return {
        "secrets": [
            {"key": key, "last_updated_timestamp": s["last_updated_timestamp"]}
            for key, s in scope["_secrets"].items()
        ]
    }


def get_secret(ctx: Context, req: Request) -> dict[str, Any]:
    scope_name, key = req.need("scope"), req.need("key")
    secret = _scope(ctx.store, scope_name)["_secrets"].get(key)
    if secret is None:
        raise not_found(f"Failed to get secret {key} for scope {scope_name}.")
    return {"key": key, "value": secret["value"]}


def delete_secret(ctx: Context, req: Request) -> None:
    scope_name, key = req.need("scope"), req.need("key")
    secrets = _scope(ctx.store, scope_name)["_secrets"]
    if key not in secrets:
        raise not_found(f"Secret {key} does not exist in scope {scope_name}.")
    del secrets[key]


def put_acl(ctx: Context, req: Request) -> None:
    scope = _scope(ctx.store, req.need("scope"))
    permission = req.need("permission")
    if permission not in PERMISSIONS:
        raise invalid(f"Permission {permission!r} is not one of {', '.join(PERMISSIONS)}.")
    scope["_acls"][req.need("principal")] = permission


def get_acl(ctx: Context, req: Request) -> dict[str, Any]:
    scope_name, principal = req.need("scope"), req.need("principal")
    permission = _scope(ctx.store, scope_name)["_acls"].get(principal)
    if permission is None:
        raise not_found(f"No ACL for principal {principal} in scope {scope_name}.")
    return {"principal": principal, "permission": permission}


def list_acls(ctx: Context, req: Request) -> dict[str, Any]:
    acls = _scope(ctx.store, req.need("scope"))["_acls"]
    return {"items": [{"principal": p, "permission": v} for p, v in acls.items()]}


def delete_acl(ctx: Context, req: Request) -> None:
    scope_name, principal = req.need("scope"), req.need("principal")
    acls = _scope(ctx.store, scope_name)["_acls"]
    if principal not in acls:
        raise not_found(f"No ACL for principal {principal} in scope {scope_name}.")
    del acls[principal]


def register(router: Router) -> None:
    base = "/api/2.0/secrets"
    router.add("POST", f"{base}/scopes/create", create_scope)
    router.add("GET", f"{base}/scopes/list", list_scopes)
    router.add("POST", f"{base}/scopes/delete", delete_scope)
    router.add("POST", f"{base}/put", put_secret)
    router.add("GET", f"{base}/list", list_secrets)
    router.add("GET", f"{base}/get", get_secret)
    router.add("POST", f"{base}/delete", delete_secret)
    router.add("POST", f"{base}/acls/put", put_acl)
    router.add("GET", f"{base}/acls/get", get_acl)
    router.add("GET", f"{base}/acls/list", list_acls)
    router.add("POST", f"{base}/acls/delete", delete_acl)
