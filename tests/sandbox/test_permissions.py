"""Object permissions through the SDK, for every object type the DR copy carries."""

from __future__ import annotations

import base64

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service import iam
from databricks.sdk.service.workspace import ImportFormat, Language

Level = iam.PermissionLevel


def objects(w: WorkspaceClient) -> dict[str, str]:
    """One object of each type, by request_object_type."""
    w.workspace.mkdirs("/Shared/etl")
    w.workspace.import_(
        "/Shared/etl/nb",
        content=base64.b64encode(b"# Databricks notebook source\n").decode(),
        format=ImportFormat.SOURCE,
        language=Language.PYTHON,
    )
    return {
        "jobs": str(w.jobs.create(name="j").job_id),
        "clusters": str(w.clusters.create(spark_version="14.3.x-scala2.12").cluster_id),
        "cluster-policies": str(w.cluster_policies.create(name="p", definition="{}").policy_id),
        "instance-pools": str(
            w.instance_pools.create(
                instance_pool_name="p", node_type_id="i3.xlarge"
            ).instance_pool_id
        ),
        "warehouses": str(w.warehouses.create(name="w", cluster_size="Small").id),
        "notebooks": str(w.workspace.get_status("/Shared/etl/nb").object_id),
        "directories": str(w.workspace.get_status("/Shared/etl").object_id),
    }


LEVELS = {
    "jobs": Level.CAN_MANAGE_RUN,
    "clusters": Level.CAN_RESTART,
    "cluster-policies": Level.CAN_USE,
    "instance-pools": Level.CAN_ATTACH_TO,
    "warehouses": Level.CAN_USE,
    "notebooks": Level.CAN_RUN,
    "directories": Level.CAN_EDIT,
}


def direct(perms: iam.ObjectPermissions) -> dict[str, str]:
    return {
        (a.group_name or a.user_name or ""): a.all_permissions[0].permission_level.value
        for a in perms.access_control_list or []
        if a.all_permissions and not a.all_permissions[0].inherited
    }


def test_set_update_get_for_every_object_type(w: WorkspaceClient) -> None:
    me = w.current_user.me().user_name
    for kind, object_id in objects(w).items():
        acl = [iam.AccessControlRequest(group_name="data-eng", permission_level=LEVELS[kind])]
        perms = w.permissions.set(kind, object_id, access_control_list=acl)
        assert perms.object_id and perms.object_id.endswith(object_id)
        owner = {me: "IS_OWNER"} if kind in ("jobs", "warehouses") else {}
        assert direct(perms) == {"data-eng": LEVELS[kind].value, **owner}
        inherited = [a for a in perms.access_control_list or [] if a.group_name == "admins"]
        assert inherited and inherited[0].all_permissions[0].inherited

        add = [iam.AccessControlRequest(user_name="ann@example.com", permission_level=LEVELS[kind])]
        w.permissions.update(kind, object_id, access_control_list=add)
        got = direct(w.permissions.get(kind, object_id))
        assert got == {
            "data-eng": LEVELS[kind].value,
            "ann@example.com": LEVELS[kind].value,
            **owner,
        }
        levels = w.permissions.get_permission_levels(kind, object_id).permission_levels or []
        assert LEVELS[kind] in {lv.permission_level for lv in levels}


def test_typed_sdk_helpers_use_the_same_endpoints(w: WorkspaceClient) -> None:
    job_id = w.jobs.create(name="j").job_id
    from databricks.sdk.service import jobs

    w.jobs.set_permissions(
        str(job_id),
        access_control_list=[
            jobs.JobAccessControlRequest(
                group_name="g", permission_level=jobs.JobPermissionLevel.CAN_VIEW
            )
        ],
    )
    acl = w.jobs.get_permissions(str(job_id)).access_control_list or []
    assert any(a.group_name == "g" for a in acl)


def test_invalid_levels_and_missing_objects(w: WorkspaceClient) -> None:
    job_id = str(w.jobs.create(name="j").job_id)
    bad = [iam.AccessControlRequest(group_name="g", permission_level=Level.CAN_ATTACH_TO)]
    with pytest.raises(InvalidParameterValue, match="not valid for a job"):
        w.permissions.set("jobs", job_id, access_control_list=bad)
    two_owners = [
        iam.AccessControlRequest(user_name="a@x", permission_level=Level.IS_OWNER),
        iam.AccessControlRequest(user_name="b@x", permission_level=Level.IS_OWNER),
    ]
    with pytest.raises(InvalidParameterValue, match="only one owner"):
        w.permissions.set("jobs", job_id, access_control_list=two_owners)
    with pytest.raises(NotFound):
        w.permissions.get("clusters", "0000-000000-none")
    with pytest.raises(InvalidParameterValue, match="not supported"):
        w.permissions.get("pipelines", "x")
