"""Who the caller is: host discovery (`/.well-known/databricks-config`) and
`current_user.me`. The sandbox has one user, an admin, authenticated by the token."""

from __future__ import annotations

from typing import Any

from databricks.sdk.service import iam

from standby.sandbox.api import Context, Request, Router, sdk_shape


def well_known(ctx: Context, req: Request) -> dict[str, Any]:
    # No oidc_endpoint: the sandbox has PAT auth only, so the SDK must not look for OAuth.
    return {"workspace_id": ctx.store.meta["workspace_id"]}


def me(ctx: Context, req: Request) -> dict[str, Any]:
    return sdk_shape(
        iam.User,
        {
            "id": "1000",
            "userName": ctx.user_name,
            "displayName": "Sandbox Admin",
            "active": True,
            "emails": [{"value": ctx.user_name, "primary": True, "type": "work"}],
            "groups": [{"display": "admins", "value": "admins"}],
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        },
    )


def register(router: Router) -> None:
    router.add("GET", "/.well-known/databricks-config", well_known)
    router.add("GET", "/api/2.0/preview/scim/v2/Me", me)
