"""SQL warehouses through the SDK: states over time, edit, list pages, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound, ResourceAlreadyExists
from databricks.sdk.service import sql

from standby.sandbox import start
from tests.sandbox.conftest import FakeClock


@pytest.fixture
def clocked() -> Iterator[tuple[WorkspaceClient, FakeClock]]:
    clock = FakeClock()
    sb = start(name="wh", step_seconds=5, clock=clock)
    try:
        yield sb.client(), clock
    finally:
        sb.stop()


def test_warehouse_lifecycle(clocked: tuple[WorkspaceClient, FakeClock]) -> None:
    w, clock = clocked
    wid = w.warehouses.create(name="reporting", cluster_size="Small", auto_stop_mins=30).id
    got = w.warehouses.get(wid)
    assert got.state == sql.State.STARTING
    assert (got.name, got.cluster_size, got.auto_stop_mins) == ("reporting", "Small", 30)
    assert got.max_num_clusters == 1 and got.creator_name and got.odbc_params
    clock.advance(5)
    assert w.warehouses.get(wid).state == sql.State.RUNNING
    w.warehouses.stop(wid)
    assert w.warehouses.get(wid).state == sql.State.STOPPING
    clock.advance(5)
    assert w.warehouses.get(wid).state == sql.State.STOPPED
    w.warehouses.edit(wid, cluster_size="Large", max_num_clusters=3)
    got = w.warehouses.get(wid)
    assert (got.cluster_size, got.max_num_clusters, got.name) == ("Large", 3, "reporting")
    assert got.state == sql.State.STOPPED  # editing a stopped warehouse does not start it
    w.warehouses.start(wid)
    clock.advance(5)
    assert w.warehouses.get(wid).state == sql.State.RUNNING
    w.warehouses.delete(wid)
    with pytest.raises(NotFound):
        w.warehouses.get(wid)


def test_start_and_wait_through_the_sdk(w: WorkspaceClient) -> None:
    created = w.warehouses.create(name="w", cluster_size="X-Small")
    assert created.result().state == sql.State.RUNNING


def test_list_pages_and_errors(w: WorkspaceClient) -> None:
    ids = [w.warehouses.create(name=f"w{i}", cluster_size="X-Small").id for i in range(3)]
    assert [x.id for x in w.warehouses.list(page_size=2)] == ids
    with pytest.raises(ResourceAlreadyExists, match="w0"):
        w.warehouses.create(name="w0", cluster_size="X-Small")
    with pytest.raises(InvalidParameterValue, match="cluster_size"):
        w.warehouses.create(name="huge", cluster_size="Gigantic")
    with pytest.raises(InvalidParameterValue, match="min_num_clusters"):
        w.warehouses.create(
            name="bad", cluster_size="Small", min_num_clusters=3, max_num_clusters=2
        )
