"""Seeds, applied through the SDK like any client would: `demo` (the DR guide's objects) and
`docs` (the public API documentation's examples, see `examples.py`).

The demo workspace holds jobs `etl_pipeline` and `nightly_report` (scheduled), the clusters,
policy, notebooks, warehouses and secret scopes they use, and catalogs `production` and
`backup` with the sample tables registered at the storage locations the caller gives.
"""

from __future__ import annotations

import base64
import json
import posixpath
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from databricks.sdk.service import catalog, compute, iam, jobs, sql, workspace

from standby.errors import BadInput
from standby.sandbox.examples import CLUSTER_EXAMPLES, JOB_EXAMPLES, WAREHOUSE_EXAMPLES

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

SEEDS = ("demo", "docs")
DEMO_TABLES: dict[str, str] = {
    "production.sales.transactions": "s3://prod-lake/sales/transactions",
    "production.sales.customers": "s3://prod-lake/sales/customers",
    "production.inventory.products": "s3://prod-lake/inventory/products",
}
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "transactions": [
        ("id", "LONG"),
        ("customer_id", "LONG"),
        ("amount", "DOUBLE"),
        ("ts", "TIMESTAMP"),
    ],
    "customers": [("id", "LONG"), ("name", "STRING"), ("country", "STRING")],
    "products": [("sku", "STRING"), ("name", "STRING"), ("stock", "INT")],
}
NOTEBOOKS = {
    "/Shared/etl/ingest": "df = spark.read.json('/landing/transactions')",
    "/Shared/etl/transform": "spark.table('production.sales.transactions').groupBy('customer_id')",
    "/Shared/reports/refresh": "spark.sql('REFRESH TABLE production.sales.transactions')",
    "/Shared/reports/nightly_report": "SELECT customer_id, sum(amount) FROM sales.transactions",
}


@dataclass
class Seeded:
    """Ids of what a seed created, by the name it was given."""

    jobs: dict[str, int] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)
    warehouses: dict[str, str] = field(default_factory=dict)
    secret_scopes: list[str] = field(default_factory=list)
    tables: dict[str, str] = field(default_factory=dict)


def apply_seed(
    w: WorkspaceClient, seed: str, *, table_locations: Mapping[str, str] | None = None
) -> Seeded:
    """Fill the workspace behind `w` with the named seed."""
    if seed == "demo":
        return seed_demo(w, table_locations=table_locations)
    if seed == "docs":
        return seed_docs(w)
    raise BadInput(f"Unknown seed {seed!r}.", hint=f"Use one of: {', '.join(SEEDS)}.")


def seed_demo(w: WorkspaceClient, *, table_locations: Mapping[str, str] | None = None) -> Seeded:
    """The DR guide's primary workspace. `table_locations` maps each of DEMO_TABLES' names to
    its storage location (the demo passes its local table paths)."""
    locations = {**DEMO_TABLES, **(table_locations or {})}
    out = Seeded()
    _notebooks(w)
    policy = w.cluster_policies.create(
        name="etl-policy",
        description="ETL clusters: fixed runtime, autoscaling, auto-termination",
        definition=json.dumps(
            {
                "spark_version": {"type": "fixed", "value": "14.3.x-scala2.12"},
                "node_type_id": {"type": "allowlist", "values": ["i3.xlarge", "i3.2xlarge"]},
                "autotermination_minutes": {"type": "range", "maxValue": 120},
            }
        ),
    )
    out.policies["etl-policy"] = str(policy.policy_id)
    etl_cluster = compute.ClusterSpec(
        spark_version="14.3.x-scala2.12",
        node_type_id="i3.xlarge",
        policy_id=policy.policy_id,
        autoscale=compute.AutoScale(min_workers=2, max_workers=8),
        spark_env_vars={"DB_PASSWORD": "{{secrets/etl/db-password}}"},
    )
    for name, spec in (
        ("etl-cluster", etl_cluster),
        (
            "reporting-cluster",
            compute.ClusterSpec(
                spark_version="14.3.x-scala2.12",
                node_type_id="i3.xlarge",
                num_workers=2,
                autotermination_minutes=60,
            ),
        ),
    ):
        fields = spec.as_dict()
        out.clusters[name] = w.api_client.do(
            "POST", "/api/2.1/clusters/create", body={**fields, "cluster_name": name}
        )["cluster_id"]
    for name, size, serverless in (
        ("reporting-warehouse", "Small", False),
        ("adhoc-warehouse", "X-Small", True),
    ):
        created = w.warehouses.create(
            name=name,
            cluster_size=size,
            auto_stop_mins=30,
            enable_serverless_compute=serverless,
            warehouse_type=sql.CreateWarehouseRequestWarehouseType.PRO,
        )
        out.warehouses[name] = str(created.id)
    _secret_scopes(w, out)
    _jobs(w, out, etl_cluster)
    _permissions(w, out)
    _unity_catalog(w, out, locations)
    return out


def _notebooks(w: WorkspaceClient) -> None:
    for path, source in NOTEBOOKS.items():
        w.workspace.mkdirs(posixpath.dirname(path))
        language = (
            workspace.Language.SQL if "reports/nightly" in path else workspace.Language.PYTHON
        )
        content = (
            "-- " if language == workspace.Language.SQL else "# "
        ) + "Databricks notebook source\n"
        w.workspace.import_(
            path,
            content=_b64(content + source + "\n"),
            format=workspace.ImportFormat.SOURCE,
            language=language,
        )


def _secret_scopes(w: WorkspaceClient, out: Seeded) -> None:
    # Generated values: the demo has secrets to protect, and none of them is a real credential.
    for scope, keys in (("etl", ("db-password", "api-token")), ("reporting", ("smtp-password",))):
        w.secrets.create_scope(scope)
        for key in keys:
            w.secrets.put_secret(scope, key, string_value="demo-" + secrets.token_urlsafe(12))
        w.secrets.put_acl(scope, "data-engineers", workspace.AclPermission.READ)
        out.secret_scopes.append(scope)


def _jobs(w: WorkspaceClient, out: Seeded, etl_cluster: compute.ClusterSpec) -> None:
    notify = jobs.JobEmailNotifications(on_failure=["data-oncall@example.com"])
    etl = w.jobs.create(
        name="etl_pipeline",
        job_clusters=[jobs.JobCluster(job_cluster_key="etl", new_cluster=etl_cluster)],
        tasks=[
            jobs.Task(
                task_key="ingest",
                job_cluster_key="etl",
                notebook_task=jobs.NotebookTask(notebook_path="/Shared/etl/ingest"),
            ),
            jobs.Task(
                task_key="transform",
                depends_on=[jobs.TaskDependency(task_key="ingest")],
                job_cluster_key="etl",
                notebook_task=jobs.NotebookTask(notebook_path="/Shared/etl/transform"),
            ),
        ],
        schedule=jobs.CronSchedule(
            quartz_cron_expression="0 0 * * * ?",
            timezone_id="UTC",
            pause_status=jobs.PauseStatus.UNPAUSED,
        ),
        email_notifications=notify,
        tags={"tier": "tier1", "team": "data-platform"},
    )
    report = w.jobs.create(
        name="nightly_report",
        tasks=[
            jobs.Task(
                task_key="refresh",
                existing_cluster_id=out.clusters["reporting-cluster"],
                notebook_task=jobs.NotebookTask(notebook_path="/Shared/reports/refresh"),
            ),
            jobs.Task(
                task_key="publish",
                depends_on=[jobs.TaskDependency(task_key="refresh")],
                notebook_task=jobs.NotebookTask(
                    notebook_path="/Shared/reports/nightly_report",
                    warehouse_id=out.warehouses["reporting-warehouse"],
                ),
            ),
        ],
        schedule=jobs.CronSchedule(
            quartz_cron_expression="0 0 2 * * ?",
            timezone_id="UTC",
            pause_status=jobs.PauseStatus.UNPAUSED,
        ),
        email_notifications=notify,
        tags={"tier": "tier2", "team": "analytics"},
    )
    out.jobs.update(etl_pipeline=int(etl.job_id or 0), nightly_report=int(report.job_id or 0))


def _permissions(w: WorkspaceClient, out: Seeded) -> None:
    level = iam.PermissionLevel
    grants = (
        ("jobs", str(out.jobs["etl_pipeline"]), "data-engineers", level.CAN_MANAGE_RUN),
        ("jobs", str(out.jobs["nightly_report"]), "analysts", level.CAN_VIEW),
        ("cluster-policies", out.policies["etl-policy"], "data-engineers", level.CAN_USE),
        ("clusters", out.clusters["etl-cluster"], "data-engineers", level.CAN_RESTART),
        ("warehouses", out.warehouses["reporting-warehouse"], "analysts", level.CAN_USE),
    )
    for object_type, object_id, group, permission in grants:
        acl = [iam.AccessControlRequest(group_name=group, permission_level=permission)]
        w.permissions.set(object_type, object_id, access_control_list=acl)


def _unity_catalog(w: WorkspaceClient, out: Seeded, locations: Mapping[str, str]) -> None:
    w.storage_credentials.create(
        "prod-lake-credential",
        aws_iam_role=catalog.AwsIamRoleRequest(role_arn="arn:aws:iam::123456789012:role/prod-lake"),
        comment="Reads and writes the production lake",
    )
    root = _common_root(list(locations.values()))
    w.external_locations.create(
        "prod-lake", root, "prod-lake-credential", comment="Production lake"
    )
    for name, comment in (("production", "Production data"), ("backup", "Backups and clones")):
        w.catalogs.create(name, comment=comment)
        for schema in ("sales", "inventory"):
            w.schemas.create(schema, name)
    for full_name, location in locations.items():
        catalog_name, schema_name, table = full_name.split(".")
        columns = [
            catalog.ColumnInfo(
                name=col,
                type_name=catalog.ColumnTypeName(kind),
                type_text=kind.lower(),
                type_json=json.dumps(
                    {"name": col, "type": kind.lower(), "nullable": True, "metadata": {}}
                ),
                position=i,
                nullable=True,
            )
            for i, (col, kind) in enumerate(COLUMNS.get(table, []))
        ]
        info = w.tables.create(
            table,
            catalog_name,
            schema_name,
            catalog.TableType.EXTERNAL,
            catalog.DataSourceFormat.DELTA,
            location,
            columns=columns,
        )
        out.tables[full_name] = str(info.storage_location)
    w.grants.update(
        "catalog",
        "production",
        changes=[
            catalog.PermissionsChange(principal="analysts", add=[catalog.Privilege.USE_CATALOG]),
            catalog.PermissionsChange(
                principal="data-engineers", add=[catalog.Privilege.ALL_PRIVILEGES]
            ),
        ],
    )
    w.grants.update(
        "schema",
        "production.sales",
        changes=[
            catalog.PermissionsChange(
                principal="analysts", add=[catalog.Privilege.USE_SCHEMA, catalog.Privilege.SELECT]
            )
        ],
    )


def _common_root(urls: list[str]) -> str:
    """The longest directory prefix shared by `urls` (the external location that covers them)."""
    parts = [u.rstrip("/").split("/")[:-1] for u in urls]
    shared: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    return "/".join(shared) + "/"


def seed_docs(w: WorkspaceClient) -> Seeded:
    """The documentation's examples, sent as raw JSON so nothing is lost on the way in."""
    out = Seeded()
    for body in JOB_EXAMPLES:
        out.jobs[body["name"]] = w.api_client.do("POST", "/api/2.2/jobs/create", body=body)[
            "job_id"
        ]
    for body in CLUSTER_EXAMPLES:
        created = w.api_client.do("POST", "/api/2.1/clusters/create", body=body)
        out.clusters[body["cluster_name"]] = created["cluster_id"]
    for body in WAREHOUSE_EXAMPLES:
        out.warehouses[body["name"]] = w.api_client.do(
            "POST", "/api/2.0/sql/warehouses", body=body
        )["id"]
    return out


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
