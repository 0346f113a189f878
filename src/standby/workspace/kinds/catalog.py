"""Unity Catalog kinds: storage credentials, external locations, catalogs, schemas, tables
and volumes, named by their full names (the same in every metastore).

A document keeps only the fields a create request takes; storage locations in it are the
source site's and are mapped to the target's roots by `sync`. Tables cannot be altered over
REST, so an external table whose registration changed is dropped and registered again (its
data is untouched: the table is external).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from standby.workspace.kinds.base import Doc, Kind, Remote

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

UC = "/api/2.1/unity-catalog"
SYSTEM_CATALOGS = ("system", "hive_metastore", "samples", "__databricks_internal")
REGISTERED_TABLES = ("EXTERNAL", "MANAGED")  # views and shares are created with SQL


def _keep(*fields: str) -> Callable[[Doc], Doc]:
    def doc(body: Doc) -> Doc:
        return {k: body[k] for k in fields if k in body}

    return doc


def _securable(
    name: str,
    path: str,
    lister: Callable[[WorkspaceClient], Iterator[Remote]],
    *,
    fields: tuple[str, ...],
    mutable: tuple[str, ...],
    server_fields: tuple[str, ...] = (),
    locations: tuple[str, ...] = (),
    to_doc: Callable[[Doc], Doc] | None = None,
) -> Kind:
    """A Unity Catalog kind served at `{UC}/{path}`: POST creates, PATCH changes the
    `mutable` fields, DELETE drops; its id is its full name."""

    def create(w: WorkspaceClient, key: str, doc: Doc) -> str:
        w.api_client.do("POST", f"{UC}/{path}", body=doc)
        return key

    def update(w: WorkspaceClient, item: Remote, doc: Doc) -> None:
        body = {k: doc.get(k) for k in mutable}
        w.api_client.do("PATCH", f"{UC}/{path}/{item.id}", body=body)

    return Kind(
        name=name,
        list=lister,
        create=create,
        update=update,
        delete=lambda w, item: w.api_client.do("DELETE", f"{UC}/{path}/{item.id}"),
        to_doc=to_doc or _keep(*fields),
        server_fields=server_fields,
        locations=locations,
        names_are_ids=True,
    )


def _remotes(kind: str, infos: Iterator[object]) -> Iterator[Remote]:
    for info in infos:
        body = info.as_dict()  # type: ignore[attr-defined]
        key = str(body.get("full_name") or body["name"])
        yield Remote(kind, key, key, body)


def _credentials(w: WorkspaceClient) -> Iterator[Remote]:
    return _remotes("storage_credentials", iter(w.storage_credentials.list()))


def _locations(w: WorkspaceClient) -> Iterator[Remote]:
    return _remotes("external_locations", iter(w.external_locations.list()))


def _catalogs(w: WorkspaceClient) -> Iterator[Remote]:
    for item in _remotes("catalogs", iter(w.catalogs.list())):
        kind = item.body.get("catalog_type", "MANAGED_CATALOG")
        if item.name not in SYSTEM_CATALOGS and kind == "MANAGED_CATALOG":
            yield item


def _schemas(w: WorkspaceClient) -> Iterator[Remote]:
    for catalog in _catalogs(w):
        for item in _remotes("schemas", iter(w.schemas.list(catalog.id))):
            if item.body.get("name") != "information_schema":  # the metastore makes it
                yield item


def _in_schemas(
    kind: str, listing: Callable[[WorkspaceClient, str, str], Iterator[object]]
) -> Callable[[WorkspaceClient], Iterator[Remote]]:
    def lister(w: WorkspaceClient) -> Iterator[Remote]:
        for schema in _schemas(w):
            catalog_name, schema_name = schema.body["catalog_name"], schema.body["name"]
            yield from _remotes(kind, listing(w, catalog_name, schema_name))

    return lister


def _tables(w: WorkspaceClient, catalog_name: str, schema_name: str) -> Iterator[object]:
    for table in w.tables.list(catalog_name, schema_name):
        if table.table_type is not None and table.table_type.value in REGISTERED_TABLES:
            yield table


def _registration(*fields: str, type_field: str) -> Callable[[Doc], Doc]:
    """`fields` of a table or volume; a managed one's location is the metastore's choice."""

    def doc(body: Doc) -> Doc:
        kept = _keep(*fields)(body)
        if kept.get(type_field) == "MANAGED":
            kept.pop("storage_location", None)
        return kept

    return doc


CREDENTIALS = _securable(
    "storage_credentials",
    "storage-credentials",
    _credentials,
    fields=(
        "name",
        "aws_iam_role",
        "azure_managed_identity",
        "azure_service_principal",
        "databricks_gcp_service_account",
        "comment",
        "read_only",
    ),
    mutable=("aws_iam_role", "azure_managed_identity", "comment", "read_only"),
    server_fields=(
        "aws_iam_role.external_id",
        "aws_iam_role.unity_catalog_iam_arn",
        "azure_managed_identity.credential_id",
        "databricks_gcp_service_account.credential_id",
        "databricks_gcp_service_account.email",
    ),
)
LOCATIONS = _securable(
    "external_locations",
    "external-locations",
    _locations,
    fields=("name", "url", "credential_name", "comment", "read_only", "encryption_details"),
    mutable=("url", "credential_name", "comment", "read_only"),
    locations=("url",),
)
CATALOGS = _securable(
    "catalogs",
    "catalogs",
    _catalogs,
    fields=("name", "comment", "properties", "storage_root"),
    mutable=("comment", "properties"),
    locations=("storage_root",),
)
SCHEMAS = _securable(
    "schemas",
    "schemas",
    _schemas,
    fields=("name", "catalog_name", "comment", "properties", "storage_root"),
    mutable=("comment", "properties"),
    locations=("storage_root",),
)
_TABLES = _securable(
    "tables",
    "tables",
    _in_schemas("tables", _tables),
    fields=(),
    mutable=(),
    locations=("storage_location",),
    to_doc=_registration(
        *("name", "catalog_name", "schema_name", "table_type", "data_source_format"),
        *("storage_location", "columns", "comment", "properties"),
        type_field="table_type",
    ),
)


def _register_again(w: WorkspaceClient, item: Remote, doc: Doc) -> None:
    _TABLES.delete(w, item)
    _TABLES.create(w, item.name, doc)


TABLES = replace(_TABLES, update=_register_again)
VOLUMES = _securable(
    "volumes",
    "volumes",
    _in_schemas("volumes", lambda w, c, s: iter(w.volumes.list(c, s))),
    fields=(),
    mutable=("comment",),
    locations=("storage_location",),
    to_doc=_registration(
        *("name", "catalog_name", "schema_name", "volume_type", "storage_location", "comment"),
        type_field="volume_type",
    ),
)

KINDS = (CREDENTIALS, LOCATIONS, CATALOGS, SCHEMAS, TABLES, VOLUMES)
