"""What a drill does in the DR workspace beyond what a failover does: an isolated drill
catalog made and dropped again, and SQL statements run on a warehouse (the Statement
Execution API) to prove the drill's copies answer queries. The same REST client, retries
and error mapping as every operation's (`failover.workspace`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from standby.errors import ObjectNotFound, ProblemFound
from standby.workspace.operations import UC, SdkSiteWorkspace, SiteWorkspace, open_site_workspace

if TYPE_CHECKING:
    from standby.config import Config


@dataclass(frozen=True)
class Warehouse:
    id: str
    name: str
    state: str


@dataclass(frozen=True)
class StatementResult:
    state: str  # SUCCEEDED, FAILED, ...
    rows: list[list[str]]
    error: str


class DrillWorkspace(SiteWorkspace, Protocol):
    """A site's workspace as a drill uses it. Every method raises Unreachable when the
    workspace cannot be reached; none logs a secret."""

    def catalog_exists(self, name: str) -> bool:
        """Whether the catalog `name` exists. Idempotent."""
        ...

    def drop_catalog(self, name: str) -> bool:
        """Drop the catalog and everything in it; False when there was none. Idempotent."""
        ...

    def sql_warehouses(self) -> list[Warehouse]:
        """The SQL warehouses with their ids and states. Idempotent."""
        ...

    def run_statement(self, warehouse_id: str, statement: str) -> StatementResult:
        """Run one SQL statement and wait for its end (up to 50 s, the API's longest)."""
        ...


class SdkDrillWorkspace(SdkSiteWorkspace):
    """DrillWorkspace over the REST API."""

    def catalog_exists(self, name: str) -> bool:
        try:
            self._do(f"reading catalog {name}", "GET", f"{UC}/catalogs/{name}")
        except ObjectNotFound:
            return False
        return True

    def drop_catalog(self, name: str) -> bool:
        if not self.catalog_exists(name):
            return False
        self._do(
            f"dropping catalog {name}",
            "DELETE",
            f"{UC}/catalogs/{name}",
            query={"force": "true"},
        )
        return True

    def sql_warehouses(self) -> list[Warehouse]:
        answer = self._do("listing SQL warehouses", "GET", "/api/2.0/sql/warehouses")
        return [
            Warehouse(str(w.get("id")), str(w.get("name")), str(w.get("state", "")))
            for w in answer.get("warehouses") or []
        ]

    def run_statement(self, warehouse_id: str, statement: str) -> StatementResult:
        body = {
            "warehouse_id": warehouse_id,
            "statement": statement,
            "wait_timeout": "50s",
            "on_wait_timeout": "CANCEL",
        }
        answer = self._do("running a SQL statement", "POST", "/api/2.0/sql/statements", body=body)
        status = answer.get("status") or {}
        error = (status.get("error") or {}).get("message", "")
        rows = (answer.get("result") or {}).get("data_array") or []
        return StatementResult(str(status.get("state", "FAILED")), rows, str(error))


def open_drill_workspace(config: Config, site: str) -> DrillWorkspace:
    """A site's workspace for a drill: the operations' client, with the drill's calls."""
    base = open_site_workspace(config, site)
    if not isinstance(base, SdkSiteWorkspace):  # pragma: no cover - the factory's contract
        raise ProblemFound(f"The workspace of {site} cannot run drills.")
    return SdkDrillWorkspace(base.client, label=base.label, sleep=base.sleep)
