"""`config export` of a workspace with 2,000 jobs, 200 clusters and 500 tables from
`standby sandbox up` (target: under 20 s), with bounded parallelism.

    python -m bench.workspace_export [--jobs 2000] [--clusters 200] [--tables 500]

The state is built directly (as in `bench.sandbox_list_jobs`), served from its own
process, and exported through databricks-sdk exactly as `standby config export` does:
listing, then every job's and cluster's ACL, every table's grants, read in parallel.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import requests

from bench.sandbox_list_jobs import serve
from standby.config.site import Workspace as WorkspaceSettings
from standby.sandbox import compute, jobs, unity_catalog, warehouses
from standby.sandbox.api import Context, Request, SystemClock
from standby.sandbox.state import Store
from standby.workspace import connect, export_workspace
from standby.workspace.client import sdk_client
from standby.workspace.snapshot import write

TARGET_SECONDS = 20.0


def _post(handler: object, ctx: Context, body: dict[str, object]) -> dict[str, object]:
    return handler(ctx, Request("POST", "/", {}, body))  # type: ignore[operator, no-any-return]


def build_state(path: Path, *, n_jobs: int, n_clusters: int, n_tables: int) -> None:
    """Jobs on clusters and a warehouse, each with an ACL; tables in schemas with grants."""
    store = Store(path)
    store.identity("bench", None)
    ctx = Context(store=store, clock=SystemClock(), step_seconds=1.0, user_name="bench@sandbox")
    policy = _post(compute.create_policy, ctx, {"name": "bench-policy", "definition": "{}"})
    warehouse = _post(warehouses.create, ctx, {"name": "bench-sql", "cluster_size": "Small"})
    clusters = [
        _post(
            compute.create_cluster,
            ctx,
            {
                "cluster_name": f"cluster-{i:04d}",
                "spark_version": "14.3.x-scala2.12",
                "node_type_id": "i3.xlarge",
                "num_workers": 2,
                "policy_id": policy["policy_id"],
            },
        )["cluster_id"]
        for i in range(n_clusters)
    ]
    acl = [{"group_name": "data-engineers", "permission_level": "CAN_MANAGE_RUN"}]
    for i in range(n_jobs):
        body = {
            "name": f"job-{i:05d}",
            "tasks": [
                {
                    "task_key": "ingest",
                    "existing_cluster_id": clusters[i % len(clusters)],
                    "notebook_task": {"notebook_path": "/Shared/ingest"},
                },
                {
                    "task_key": "report",
                    "depends_on": [{"task_key": "ingest"}],
                    "sql_task": {"query": {"query_id": "q"}, "warehouse_id": warehouse["id"]},
                },
            ],
            "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC"},
            "access_control_list": acl,
        }
        _post(jobs.create, ctx, body)
    _post(unity_catalog.create_catalog, ctx, {"name": "bench"})
    per_schema = 50
    for s in range((n_tables + per_schema - 1) // per_schema):
        _post(unity_catalog.create_schema, ctx, {"name": f"s{s:02d}", "catalog_name": "bench"})
    for t in range(n_tables):
        schema = f"s{t // per_schema:02d}"
        body = {
            "name": f"t{t:04d}",
            "catalog_name": "bench",
            "schema_name": schema,
            "table_type": "EXTERNAL",
            "storage_location": f"s3://bench-lake/{schema}/t{t:04d}",
            "columns": [{"name": "id", "type_name": "LONG", "type_text": "bigint", "position": 0}],
        }
        _post(unity_catalog.create_table, ctx, body)
    store.start_writing()
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--tables", type=int, default=500)
    parser.add_argument("--parallel", type=int, nargs="+", default=[8, 1])
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds the sandbox adds to each request"
    )
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "bench.json"
        build_state(state, n_jobs=args.jobs, n_clusters=args.clusters, n_tables=args.tables)
        proc, url, token = serve(state)
        os.environ["STANDBY_BENCH_TOKEN"] = token
        settings = WorkspaceSettings(kind="sandbox", host=url, token_env="STANDBY_BENCH_TOKEN")
        if args.latency:
            faults = {"latency_seconds": args.latency}
            auth = {"Authorization": f"Bearer {token}"}
            requests.post(f"{url}/_sandbox/faults", json=faults, headers=auth, timeout=10)
        try:
            for workers in args.parallel:
                ws = connect(sdk_client(settings), label="bench")
                started = time.perf_counter()
                snapshot = export_workspace(ws, site="bench", workers=workers)
                write(snapshot, Path(tmp) / f"snapshot-{workers}")
                rows.append((workers, time.perf_counter() - started, snapshot.counts()))
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    print(
        f"config export: {args.jobs:,} jobs, {args.clusters:,} clusters, {args.tables:,} tables "
        f"from `standby sandbox up`, {args.latency * 1000:.0f} ms added per request; "
        f"target < {TARGET_SECONDS:.0f} s"
    )
    print(f"{'parallel':>8}  {'objects':>7}  {'seconds':>7}  target")
    for workers, seconds, counts in rows:
        complete = (
            counts["jobs"] == args.jobs
            and counts["clusters"] == args.clusters
            and counts["tables"] == args.tables
        )
        verdict = "ok" if seconds < TARGET_SECONDS and complete else "MISSED"
        total = sum(counts.values())
        print(f"{workers:>8}  {total:>7,}  {seconds:>7.2f}  {verdict}")


if __name__ == "__main__":
    main()
