"""Unity Catalog through the SDK: the namespace, storage, grants, pages and errors."""

from __future__ import annotations

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound, ResourceAlreadyExists
from databricks.sdk.service import catalog

LOCATION = "s3://prod-lake/sales/transactions"


def make_table(w: WorkspaceClient, name: str = "transactions", location: str = LOCATION) -> None:
    w.tables.create(
        name,
        "production",
        "sales",
        catalog.TableType.EXTERNAL,
        catalog.DataSourceFormat.DELTA,
        location,
        columns=[
            catalog.ColumnInfo(
                name="id",
                type_name=catalog.ColumnTypeName.LONG,
                type_text="bigint",
                position=0,
                nullable=False,
            )
        ],
        properties={"delta.appendOnly": "true"},
    )


@pytest.fixture
def namespace(w: WorkspaceClient) -> WorkspaceClient:
    w.catalogs.create("production", comment="prod")
    w.schemas.create("sales", "production")
    return w


def test_catalogs_and_schemas(namespace: WorkspaceClient) -> None:
    w = namespace
    got = w.catalogs.get("production")
    assert (got.name, got.comment, got.owner) == (
        "production",
        "prod",
        w.current_user.me().user_name,
    )
    assert got.metastore_id and got.created_at
    assert [s.name for s in w.schemas.list("production")] == ["information_schema", "sales"]
    with pytest.raises(ResourceAlreadyExists, match="Catalog 'production' already exists"):
        w.catalogs.create("production")
    with pytest.raises(ResourceAlreadyExists):
        w.schemas.create("sales", "production")
    with pytest.raises(NotFound, match="Catalog 'nope' does not exist"):
        w.schemas.create("x", "nope")
    w.catalogs.update("production", comment="changed", owner="admins")
    assert w.catalogs.get("PRODUCTION").comment == "changed"  # names are case-insensitive
    w.schemas.update("production.sales", comment="sales data")
    assert w.schemas.get("production.sales").comment == "sales data"


def test_tables_are_registered_at_their_storage_location(namespace: WorkspaceClient) -> None:
    w = namespace
    make_table(w)
    table = w.tables.get("production.sales.transactions")
    assert table.table_type == catalog.TableType.EXTERNAL
    assert table.data_source_format == catalog.DataSourceFormat.DELTA
    assert table.storage_location == LOCATION
    assert table.table_id and table.columns and table.columns[0].name == "id"
    assert table.properties == {"delta.appendOnly": "true"}
    assert w.tables.exists("production.sales.transactions").table_exists
    assert not w.tables.exists("production.sales.nope").table_exists
    with pytest.raises(ResourceAlreadyExists):
        make_table(w, location="s3://elsewhere/t")
    with pytest.raises(InvalidParameterValue, match="overlaps"):
        make_table(w, "nested", LOCATION + "/part")
    with pytest.raises(InvalidParameterValue, match="storage_location"):
        w.api_client.do(
            "POST",
            "/api/2.1/unity-catalog/tables",
            body={
                "name": "t",
                "catalog_name": "production",
                "schema_name": "sales",
                "table_type": "EXTERNAL",
                "data_source_format": "DELTA",
            },
        )
    w.tables.delete("production.sales.transactions")
    with pytest.raises(NotFound):
        w.tables.get("production.sales.transactions")


def test_list_pages_with_max_results(namespace: WorkspaceClient) -> None:
    w = namespace
    for i in range(5):
        make_table(w, f"t{i}", f"s3://lake/t{i}")
    names = [t.name for t in w.tables.list("production", "sales", max_results=2)]
    assert names == [f"t{i}" for i in range(5)]
    raw = w.api_client.do(
        "GET",
        "/api/2.1/unity-catalog/tables",
        query={"catalog_name": "production", "schema_name": "sales", "max_results": 2},
    )
    assert len(raw["tables"]) == 2 and raw["next_page_token"]
    for i in range(3):
        w.catalogs.create(f"c{i}")
    assert len(list(w.catalogs.list(max_results=1))) == 4


def test_delete_refuses_non_empty_unless_forced(namespace: WorkspaceClient) -> None:
    w = namespace
    make_table(w)
    with pytest.raises(InvalidParameterValue, match="not empty"):
        w.catalogs.delete("production")
    with pytest.raises(InvalidParameterValue, match="not empty"):
        w.schemas.delete("production.sales")
    w.catalogs.delete("production", force=True)
    with pytest.raises(NotFound):
        w.tables.get("production.sales.transactions")
    assert list(w.catalogs.list()) == []


def test_rename_moves_children_and_grants(namespace: WorkspaceClient) -> None:
    w = namespace
    make_table(w)
    change = catalog.PermissionsChange(principal="analysts", add=[catalog.Privilege.SELECT])
    w.grants.update("table", "production.sales.transactions", changes=[change])
    w.catalogs.update("production", new_name="prod")
    table = w.tables.get("prod.sales.transactions")
    assert (table.catalog_name, table.full_name) == ("prod", "prod.sales.transactions")
    grants = w.grants.get("table", "prod.sales.transactions").privilege_assignments
    assert grants and grants[0].principal == "analysts"
    with pytest.raises(NotFound):
        w.catalogs.get("production")


def test_volumes(namespace: WorkspaceClient) -> None:
    w = namespace
    volume = w.volumes.create(
        "production",
        "sales",
        "landing",
        catalog.VolumeType.EXTERNAL,
        storage_location="s3://prod-lake/landing",
    )
    assert volume.full_name == "production.sales.landing" and volume.volume_id
    assert [v.name for v in w.volumes.list("production", "sales")] == ["landing"]
    w.volumes.update("production.sales.landing", comment="raw files")
    assert w.volumes.read("production.sales.landing").comment == "raw files"
    w.volumes.delete("production.sales.landing")
    with pytest.raises(NotFound):
        w.volumes.read("production.sales.landing")


def test_storage_credentials_and_external_locations(w: WorkspaceClient) -> None:
    w.storage_credentials.create(
        "azure-cred",
        azure_service_principal=catalog.AzureServicePrincipal(
            directory_id="d", application_id="a", client_secret="hunter2"
        ),
    )
    got = w.storage_credentials.get("azure-cred")
    assert got.azure_service_principal and got.azure_service_principal.application_id == "a"
    assert "hunter2" not in str(
        w.api_client.do("GET", "/api/2.1/unity-catalog/storage-credentials")
    )
    with pytest.raises(InvalidParameterValue, match="needs one of"):
        w.storage_credentials.create("empty")
    with pytest.raises(NotFound, match="Storage Credential 'nope'"):
        w.external_locations.create("loc", "abfss://c@acct.dfs.core.windows.net/", "nope")
    loc = w.external_locations.create("lake", "abfss://c@acct.dfs.core.windows.net/", "azure-cred")
    assert loc.credential_id == got.id
    with pytest.raises(InvalidParameterValue, match="overlaps"):
        w.external_locations.create("inner", "abfss://c@acct.dfs.core.windows.net/x", "azure-cred")
    w.external_locations.update("lake", comment="landing zone", read_only=True)
    assert w.external_locations.get("lake").read_only is True
    assert [x.name for x in w.external_locations.list()] == ["lake"]
    with pytest.raises(InvalidParameterValue, match="not empty"):
        w.storage_credentials.delete("azure-cred")
    w.external_locations.delete("lake")
    w.storage_credentials.delete("azure-cred")
    assert list(w.storage_credentials.list()) == []


def test_grants_get_and_update(namespace: WorkspaceClient) -> None:
    w = namespace
    w.grants.update(
        "catalog",
        "production",
        changes=[
            catalog.PermissionsChange(
                principal="analysts",
                add=[catalog.Privilege.USE_CATALOG, catalog.Privilege.SELECT],
            ),
            catalog.PermissionsChange(principal="etl", add=[catalog.Privilege.ALL_PRIVILEGES]),
        ],
    )
    w.grants.update(
        "catalog",
        "production",
        changes=[
            catalog.PermissionsChange(principal="analysts", remove=[catalog.Privilege.SELECT])
        ],
    )
    got = {
        a.principal: a.privileges
        for a in w.grants.get("catalog", "production").privilege_assignments or []
    }
    assert got == {
        "analysts": [catalog.Privilege.USE_CATALOG],
        "etl": [catalog.Privilege.ALL_PRIVILEGES],
    }
    only = w.grants.get("catalog", "production", principal="etl").privilege_assignments
    assert only and [a.principal for a in only] == ["etl"]
    with pytest.raises(InvalidParameterValue, match="Unknown privilege"):
        w.api_client.do(
            "PATCH",
            "/api/2.1/unity-catalog/permissions/catalog/production",
            body={"changes": [{"principal": "x", "add": ["FLY"]}]},
        )
    with pytest.raises(NotFound):
        w.grants.get("schema", "production.nope")


def test_metastore_summary_and_assignment(w: WorkspaceClient) -> None:
    assert w.metastores.current().metastore_id == w.metastores.summary().metastore_id
