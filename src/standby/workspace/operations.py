"""What an operation does in a workspace: pause and unpause jobs, drain and cancel their
runs, run a job to its end, register tables in Unity Catalog, take MODIFY away and give
it back, see the SQL warehouses. A narrow boundary over the REST API (databricks-sdk's
client, with standby's per-request retries and its one error mapper).
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from standby.errors import BadInput, ObjectNotFound, StandbyError, Unreachable
from standby.storage import normalize
from standby.workspace.client import map_error, sdk_client
from standby.workspace.kinds.jobs import PAUSE_TAG, TRIGGERS
from standby.workspace.wrappers import RetryPolicy, with_retries

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

    from standby.config import Config

T = TypeVar("T")
PauseState = Literal["PAUSED", "UNPAUSED"]
ACTIVE_RUNS = {"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"}
UC = "/api/2.1/unity-catalog"


@dataclass(frozen=True)
class JobState:
    """A job as an operation needs it: its id, its pause state (None: it has no schedule,
    trigger or continuous run to pause) and the primary's state recorded by `config sync`."""

    name: str
    job_id: int
    pause: PauseState | None
    recorded_primary: PauseState | None


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    result: str  # SUCCESS, FAILED, CANCELED, TIMEDOUT, ...
    message: str


class SiteWorkspace(Protocol):
    """One site's workspace, for operations. Every method raises Unreachable when it cannot
    be reached, AccessDenied when it refuses the credentials; none logs a secret."""

    label: str

    def ping(self) -> None:
        """Raise Unreachable unless the workspace answers. Idempotent."""
        ...

    def jobs(self, names: list[str]) -> dict[str, JobState]:
        """The named jobs that exist here, by name. Idempotent."""
        ...

    def set_pause(self, job: JobState, state: PauseState, *, record: PauseState | None) -> None:
        """Pause or unpause every trigger of a job; `record` is the primary's state to keep
        in the standby tag (a site being fenced), None drops the tag (a site promoted).
        Idempotent."""
        ...

    def active_runs(self, job: JobState) -> list[int]:
        """Ids of the job's runs that have not ended. Idempotent."""
        ...

    def cancel_run(self, run_id: int) -> None:
        """Ask a run to stop. Idempotent."""
        ...

    def run_job(self, job: JobState, *, timeout: float) -> RunOutcome:
        """Run a job now and wait for its end (not idempotent: each call is a run)."""
        ...

    def table(self, full_name: str) -> dict[str, Any] | None:
        """A Unity Catalog table's registration, None when there is none. Idempotent."""
        ...

    def register_table(self, full_name: str, location: str, *, like: dict[str, Any]) -> str:
        """Make `full_name` an external table at `location` (columns etc. from `like`);
        returns 'created', 'moved' or 'unchanged'. Idempotent."""
        ...

    def find_tables(self, pattern: str) -> dict[str, str]:
        """Full name -> storage location of the external and managed tables whose name
        matches `pattern` (a name, or a glob like `production.sales.*`). Idempotent."""
        ...

    def modify_holders(self, full_name: str) -> list[str]:
        """Principals holding MODIFY directly on a table. Idempotent."""
        ...

    def set_modify(self, full_name: str, principals: list[str], *, granted: bool) -> None:
        """Grant or revoke MODIFY on a table for `principals`. Idempotent."""
        ...

    def warehouses(self) -> list[str]:
        """Names of the SQL warehouses. Idempotent."""
        ...


class SdkSiteWorkspace:
    """SiteWorkspace over the REST API, through databricks-sdk's api_client."""

    def __init__(self, client: WorkspaceClient, *, label: str, sleep: Callable[[float], None]):
        self.client = client
        self.label = label
        self.sleep = sleep

    def _do(self, doing: str, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self.client.api_client.do(method, path, **kwargs)
        except Exception as e:
            mapped = map_error(e, doing=doing, label=self.label)
            if mapped is e:
                raise
            raise mapped from e

    def ping(self) -> None:
        self._do("answering", "GET", "/api/2.0/preview/scim/v2/Me")

    def jobs(self, names: list[str]) -> dict[str, JobState]:
        found: dict[str, JobState] = {}
        for name in names:
            answer = self._do(
                f"finding job {name!r}", "GET", "/api/2.2/jobs/list", query={"name": name}
            )
            for job in answer.get("jobs") or []:
                settings = job.get("settings") or {}
                if settings.get("name") == name:
                    found[name] = _job_state(name, int(job["job_id"]), settings)
        return found

    def set_pause(self, job: JobState, state: PauseState, *, record: PauseState | None) -> None:
        current = self._settings(job)
        changed: dict[str, Any] = {
            t: {**current[t], "pause_status": state}
            for t in TRIGGERS
            if isinstance(current.get(t), dict) and current[t].get("pause_status") != state
        }
        tags = {k: v for k, v in (current.get("tags") or {}).items() if k != PAUSE_TAG}
        if record is not None:
            tags[PAUSE_TAG] = record
        if tags != (current.get("tags") or {}):
            changed["tags"] = tags
        if changed:
            body = {"job_id": job.job_id, "new_settings": changed}
            self._do(f"setting job {job.name!r} {state}", "POST", "/api/2.2/jobs/update", body=body)

    def _settings(self, job: JobState) -> dict[str, Any]:
        answer = self._do(
            f"reading job {job.name!r}", "GET", "/api/2.2/jobs/get", query={"job_id": job.job_id}
        )
        return dict(answer.get("settings") or {})

    def active_runs(self, job: JobState) -> list[int]:
        query = {"job_id": job.job_id, "active_only": "true", "limit": 25}
        answer = self._do(
            f"listing runs of {job.name!r}", "GET", "/api/2.2/jobs/runs/list", query=query
        )
        return [int(r["run_id"]) for r in answer.get("runs") or []]

    def cancel_run(self, run_id: int) -> None:
        self._do(
            f"cancelling run {run_id}", "POST", "/api/2.2/jobs/runs/cancel", body={"run_id": run_id}
        )

    def run_job(self, job: JobState, *, timeout: float) -> RunOutcome:
        started = time.monotonic()
        answer = self._do(
            f"running job {job.name!r}",
            "POST",
            "/api/2.2/jobs/run-now",
            body={"job_id": job.job_id},
        )
        run_id = int(answer["run_id"])
        while True:
            run = self._do(
                f"watching run {run_id}", "GET", "/api/2.2/jobs/runs/get", query={"run_id": run_id}
            )
            state = run.get("state") or {}
            if state.get("life_cycle_state") not in ACTIVE_RUNS:
                return RunOutcome(
                    run_id,
                    str(state.get("result_state", "FAILED")),
                    str(state.get("state_message", "")),
                )
            if time.monotonic() - started > timeout:
                self.cancel_run(run_id)
                return RunOutcome(run_id, "TIMEDOUT", f"still running after {timeout:.0f} s")
            self.sleep(0.2)

    def table(self, full_name: str) -> dict[str, Any] | None:
        try:
            return dict(self._do(f"reading table {full_name}", "GET", f"{UC}/tables/{full_name}"))
        except ObjectNotFound:
            return None

    def register_table(self, full_name: str, location: str, *, like: dict[str, Any]) -> str:
        current = self.table(full_name)
        if current is not None and _same_location(current.get("storage_location"), location):
            return "unchanged"
        catalog, schema, name = _parts(full_name)
        self._ensure_schema(catalog, schema)
        body = {
            **{k: v for k, v in (current or like).items() if k in REGISTRATION},
            "name": name,
            "catalog_name": catalog,
            "schema_name": schema,
            "table_type": "EXTERNAL",
            "data_source_format": "DELTA",
            "storage_location": location,
        }
        if current is not None:  # a location cannot be changed in place: register it again
            self._do(f"dropping table {full_name}", "DELETE", f"{UC}/tables/{full_name}")
        self._do(f"registering table {full_name}", "POST", f"{UC}/tables", body=body)
        return "created" if current is None else "moved"

    def _ensure_schema(self, catalog: str, schema: str) -> None:
        for path, body in (
            (f"{UC}/catalogs", {"name": catalog}),
            (f"{UC}/schemas", {"name": schema, "catalog_name": catalog}),
        ):
            name = f"{catalog}.{schema}" if "catalog_name" in body else catalog
            try:
                self._do(f"reading {name}", "GET", f"{path}/{name}")
            except ObjectNotFound:
                self._do(f"creating {name}", "POST", path, body=body)

    def find_tables(self, pattern: str) -> dict[str, str]:
        parts = pattern.lower().split(".")
        if len(parts) != 3:
            raise BadInput(f"{pattern!r} is not a table name or glob (catalog.schema.table).")
        found: dict[str, str] = {}
        for catalog in self._names(f"{UC}/catalogs", "catalogs", parts[0], {}):
            query = {"catalog_name": catalog}
            for schema in self._names(f"{UC}/schemas", "schemas", parts[1], query):
                query = {"catalog_name": catalog, "schema_name": schema}
                for table in self._listed(f"{UC}/tables", "tables", query):
                    name = str(table.get("name", ""))
                    if fnmatch.fnmatchcase(name.lower(), parts[2]) and table.get(
                        "storage_location"
                    ):
                        found[f"{catalog}.{schema}.{name}"] = str(table["storage_location"])
        return found

    def _names(self, path: str, key: str, pattern: str, query: dict[str, str]) -> list[str]:
        items = self._listed(path, key, query)
        return [
            str(i["name"]) for i in items if fnmatch.fnmatchcase(str(i["name"]).lower(), pattern)
        ]

    def _listed(self, path: str, key: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """Every item of a paged Unity Catalog listing."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = {**query, **({"page_token": token} if token else {})}
            answer = self._do(f"listing {key}", "GET", path, query=page)
            items += answer.get(key) or []
            token = answer.get("next_page_token")
            if not token:
                return items

    def modify_holders(self, full_name: str) -> list[str]:
        answer = self._do(
            f"reading grants of {full_name}", "GET", f"{UC}/permissions/table/{full_name}"
        )
        return sorted(
            str(a["principal"])
            for a in answer.get("privilege_assignments") or []
            if "MODIFY" in (a.get("privileges") or [])
        )

    def set_modify(self, full_name: str, principals: list[str], *, granted: bool) -> None:
        if not principals:
            return
        key = "add" if granted else "remove"
        changes = [{"principal": p, key: ["MODIFY"]} for p in principals]
        self._do(
            f"{'granting' if granted else 'revoking'} MODIFY on {full_name}",
            "PATCH",
            f"{UC}/permissions/table/{full_name}",
            body={"changes": changes},
        )

    def warehouses(self) -> list[str]:
        answer = self._do("listing SQL warehouses", "GET", "/api/2.0/sql/warehouses")
        return sorted(str(w.get("name")) for w in answer.get("warehouses") or [])


REGISTRATION = ("columns", "comment", "properties")


def _job_state(name: str, job_id: int, settings: dict[str, Any]) -> JobState:
    states = [
        settings[t].get("pause_status", "UNPAUSED")
        for t in TRIGGERS
        if isinstance(settings.get(t), dict)
    ]
    pause: PauseState | None = None
    if states:
        pause = "UNPAUSED" if "UNPAUSED" in states else "PAUSED"
    tag = (settings.get("tags") or {}).get(PAUSE_TAG)
    recorded: PauseState | None = tag if tag in ("PAUSED", "UNPAUSED") else None
    return JobState(name, job_id, pause, recorded)


def _parts(full_name: str) -> tuple[str, str, str]:
    parts = full_name.split(".")
    if len(parts) != 3:
        raise BadInput(f"{full_name!r} is not a Unity Catalog table name (catalog.schema.table).")
    return parts[0], parts[1], parts[2]


def _same_location(a: object, b: str) -> bool:
    return isinstance(a, str) and normalize(a).rstrip("/") == normalize(b).rstrip("/")


def open_site_workspace(
    config: Config,
    site: str,
    *,
    timeout: float = 60.0,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SiteWorkspace:
    """The workspace of a site, for operations: per-request retries, the SDK's own off.
    `timeout` bounds each HTTP request (a probe of a region that is gone uses a short one)."""
    settings = config.site(site).workspace
    if settings is None:
        raise BadInput(
            f"Site '{site}' has no workspace in standby.yml.",
            hint=f"Add sites.{site}.workspace (host and token_env, or profile).",
        )
    client = sdk_client(settings)
    client.config.http_timeout_seconds = max(1, int(timeout))
    where = settings.host or f"profile {settings.profile}"
    return SdkSiteWorkspace(
        with_retries(client, retry or RetryPolicy(sleep=sleep)),
        label=f"{site} ({where})",
        sleep=sleep,
    )


def answers(workspace: Callable[[], SiteWorkspace]) -> StandbyError | None:
    """None when the workspace answers, else the error that says why not."""
    try:
        workspace().ping()
    except (Unreachable, StandbyError) as e:
        return e
    return None
