"""SQL statement execution, as much of it as a drill's validation needs: on an existing SQL
warehouse, `SELECT COUNT(*) FROM <table>` is answered by reading the Delta table at its
Unity Catalog storage location with deltalake's SQL engine (DataFusion, which also
reads the absolute paths of shallow clones); any other statement ends FAILED, saying
that the sandbox does not run it. Answers are synchronous (SUCCEEDED or FAILED at once),
in the SDK's `sql.StatementResponse` shape, and kept for `GET .../statements/{id}`.

The sandbox has no storage credentials of its own: deltalake reads remote tables with the
environment's (AWS_*, AZURE_*), as the process that runs the sandbox has them.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import deltalake
from databricks.sdk.service import sql

from standby.sandbox.api import Context, Request, Router, begin, not_found, phase, sdk_shape
from standby.sandbox.state import WAREHOUSES
from standby.sandbox.unity_catalog import TABLE

STATEMENTS = "sql_statements"
COUNT = re.compile(r"^\s*select\s+count\s*\(\s*(?:\*|1)\s*\)\s+from\s+([`\w.]+)\s*;?\s*$", re.I)


def _failed(code: str, message: str) -> dict[str, Any]:
    return {"status": {"state": "FAILED", "error": {"error_code": code, "message": message}}}


def _count_answer(rows: int) -> dict[str, Any]:
    column = {"name": "count(1)", "position": 0, "type_name": "LONG", "type_text": "BIGINT"}
    return {
        "status": {"state": "SUCCEEDED"},
        "manifest": {
            "format": "JSON_ARRAY",
            "schema": {"column_count": 1, "columns": [column]},
            "total_row_count": 1,
            "total_chunk_count": 1,
            "truncated": False,
        },
        "result": {"chunk_index": 0, "row_offset": 0, "row_count": 1, "data_array": [[str(rows)]]},
    }


def _full_name(name: str, catalog: str | None, schema: str | None) -> str | None:
    """catalog.schema.table, completing a shorter name from the request's defaults."""
    parts = name.replace("`", "").lower().split(".")
    defaults = [p.lower() for p in (catalog, schema) if p]
    full = [*defaults[: max(0, 3 - len(parts))], *parts] if len(parts) < 3 else parts
    return ".".join(full) if len(full) == 3 else None


def _answer(ctx: Context, statement: str, *, catalog: str | None, schema: str | None) -> Any:
    match = COUNT.match(statement)
    if match is None:
        return _failed(
            "BAD_REQUEST", "The sandbox runs only SELECT COUNT(*) FROM <table> statements."
        )
    name = _full_name(match.group(1), catalog, schema)
    table = ctx.store.collection(TABLE.collection).get(name or "")
    if table is None:
        return _failed("NOT_FOUND", f"[TABLE_OR_VIEW_NOT_FOUND] {match.group(1)} does not exist.")
    try:
        dt = deltalake.DeltaTable(str(table.get("storage_location") or ""))
        query = deltalake.QueryBuilder().register("t", dt).execute("SELECT COUNT(*) AS n FROM t")
        rows = int(sum(batch.column(0).to_pylist()[0] for batch in query if batch.num_rows))
    except Exception as e:  # deltalake's errors are its own: any of them fails the statement
        return _failed("IO_ERROR", f"{name}: the table at its storage location cannot be read: {e}")
    return _count_answer(rows)


def execute(ctx: Context, req: Request) -> dict[str, Any]:
    warehouse_id = req.need("warehouse_id")
    warehouse = ctx.store.collection(WAREHOUSES).get(warehouse_id)
    if warehouse is None:
        raise not_found(f"SQL warehouse {warehouse_id} does not exist.")
    if phase(warehouse, ctx) not in ("STARTING", "RUNNING"):  # Databricks starts it too
        begin(warehouse, ctx, "STARTING", "RUNNING")
    answer = _answer(
        ctx, req.need("statement"), catalog=req.arg("catalog"), schema=req.arg("schema")
    )
    record = sdk_shape(sql.StatementResponse, {**answer, "statement_id": str(uuid.uuid4())})
    ctx.store.collection(STATEMENTS)[record["statement_id"]] = record
    return record


def get(ctx: Context, req: Request) -> dict[str, Any]:
    record = ctx.store.collection(STATEMENTS).get(req.params["id"])
    if record is None:
        raise not_found(f"Statement {req.params['id']} does not exist.")
    return dict(record)


def register(router: Router) -> None:
    router.add("POST", "/api/2.0/sql/statements", execute)
    router.add("GET", "/api/2.0/sql/statements/{id}", get)
