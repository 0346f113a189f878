"""Clusters, cluster policies, instance pools and global init scripts through the SDK."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    InvalidParameterValue,
    InvalidState,
    NotFound,
    ResourceAlreadyExists,
)
from databricks.sdk.service import compute

from standby.sandbox import RunningSandbox, start
from tests.sandbox.conftest import FakeClock

SPARK = "14.3.x-scala2.12"


@pytest.fixture
def clocked() -> Iterator[tuple[WorkspaceClient, FakeClock]]:
    clock = FakeClock()
    sb: RunningSandbox = start(name="compute", step_seconds=5, clock=clock)
    try:
        yield sb.client(), clock
    finally:
        sb.stop()


def test_cluster_lifecycle(clocked: tuple[WorkspaceClient, FakeClock]) -> None:
    w, clock = clocked
    cluster_id = w.clusters.create(
        cluster_name="etl", spark_version=SPARK, node_type_id="i3.xlarge", num_workers=2
    ).cluster_id
    assert w.clusters.get(cluster_id).state == compute.State.PENDING
    clock.advance(5)
    details = w.clusters.get(cluster_id)
    assert details.state == compute.State.RUNNING
    assert (details.cluster_name, details.num_workers, details.spark_version) == ("etl", 2, SPARK)
    assert details.creator_user_name and details.default_tags
    assert details.default_tags["ClusterId"] == cluster_id

    w.clusters.edit(cluster_id, spark_version=SPARK, cluster_name="etl", num_workers=4)
    assert w.clusters.get(cluster_id).state == compute.State.RESTARTING
    assert w.clusters.get(cluster_id).num_workers == 4

    w.clusters.delete(cluster_id)
    assert w.clusters.get(cluster_id).state == compute.State.TERMINATING
    clock.advance(5)
    assert w.clusters.get(cluster_id).state == compute.State.TERMINATED
    w.clusters.start(cluster_id)
    clock.advance(5)
    assert w.clusters.get(cluster_id).state == compute.State.RUNNING
    with pytest.raises(InvalidState, match="unexpected state"):
        w.clusters.start(cluster_id)

    w.clusters.permanent_delete(cluster_id)
    with pytest.raises(NotFound, match="does not exist"):
        w.clusters.get(cluster_id)


def test_create_and_wait_through_the_sdk(w: WorkspaceClient) -> None:
    details = w.clusters.create_and_wait(
        spark_version=SPARK, num_workers=1, timeout=timedelta(seconds=30)
    )
    assert details.state == compute.State.RUNNING


def test_cluster_list_paginates(w: WorkspaceClient) -> None:
    ids = [
        w.clusters.create(spark_version=SPARK, cluster_name=f"c{i}").cluster_id for i in range(5)
    ]
    assert [c.cluster_id for c in w.clusters.list(page_size=2)] == ids
    raw = w.api_client.do("GET", "/api/2.1/clusters/list", query={"page_size": 2})
    assert len(raw["clusters"]) == 2 and raw["next_page_token"]


def test_cluster_spec_must_name_existing_policy_and_pool(w: WorkspaceClient) -> None:
    with pytest.raises(InvalidParameterValue, match="Cluster policy NOPE does not exist"):
        w.clusters.create(spark_version=SPARK, policy_id="NOPE")
    with pytest.raises(InvalidParameterValue, match="Instance pool p does not exist"):
        w.clusters.create(spark_version=SPARK, instance_pool_id="p")
    with pytest.raises(InvalidParameterValue, match="spark_version"):
        w.api_client.do("POST", "/api/2.1/clusters/create", body={"cluster_name": "x"})


def test_policies(w: WorkspaceClient) -> None:
    definition = json.dumps({"spark_version": {"type": "fixed", "value": SPARK}})
    policy_id = w.cluster_policies.create(name="etl", definition=definition).policy_id
    policy = w.cluster_policies.get(policy_id)
    assert (policy.name, policy.definition, policy.is_default) == ("etl", definition, False)
    with pytest.raises(ResourceAlreadyExists, match="etl"):
        w.cluster_policies.create(name="etl", definition="{}")
    with pytest.raises(InvalidParameterValue, match="not valid JSON"):
        w.cluster_policies.create(name="broken", definition="{nope")
    w.cluster_policies.edit(
        policy_id, name="etl-v2", definition=definition, max_clusters_per_user=3
    )
    assert w.cluster_policies.get(policy_id).max_clusters_per_user == 3
    cluster = w.clusters.create(spark_version=SPARK, policy_id=policy_id)
    assert w.clusters.get(cluster.cluster_id).policy_id == policy_id
    assert [p.name for p in w.cluster_policies.list()] == ["etl-v2"]
    w.cluster_policies.delete(policy_id)
    with pytest.raises(NotFound):
        w.cluster_policies.get(policy_id)


def test_instance_pools(w: WorkspaceClient) -> None:
    pool_id = w.instance_pools.create(
        instance_pool_name="pool", node_type_id="i3.xlarge", min_idle_instances=1, max_capacity=10
    ).instance_pool_id
    pool = w.instance_pools.get(pool_id)
    assert (pool.instance_pool_name, pool.max_capacity, pool.state) == (
        "pool",
        10,
        compute.InstancePoolState.ACTIVE,
    )
    w.instance_pools.edit(pool_id, "pool-2", "i3.xlarge", max_capacity=20)
    assert w.instance_pools.get(pool_id).max_capacity == 20
    assert [p.instance_pool_name for p in w.instance_pools.list()] == ["pool-2"]
    cluster = w.clusters.create(spark_version=SPARK, instance_pool_id=pool_id, num_workers=1)
    assert w.clusters.get(cluster.cluster_id).instance_pool_id == pool_id
    w.instance_pools.delete(pool_id)
    with pytest.raises(NotFound):
        w.instance_pools.get(pool_id)


def test_global_init_scripts(w: WorkspaceClient) -> None:
    script = base64.b64encode(b"#!/bin/bash\necho hi\n").decode()
    script_id = w.global_init_scripts.create("setup", script, enabled=True).script_id
    got = w.global_init_scripts.get(script_id)
    assert (got.name, got.script, got.enabled, got.position) == ("setup", script, True, 0)
    listed = list(w.global_init_scripts.list())
    assert [s.name for s in listed] == ["setup"]
    w.global_init_scripts.update(script_id, "setup-2", script, enabled=False)
    assert w.global_init_scripts.get(script_id).enabled is False
    w.global_init_scripts.delete(script_id)
    with pytest.raises(NotFound):
        w.global_init_scripts.get(script_id)
