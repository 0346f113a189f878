"""What is composed around a workspace, and the one factory that composes it: retries
of each HTTP request (429/503 always; a lost connection or a 500 only when resending is
safe), and dry-run over the Workspace protocol (reads pass through, writes are recorded).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from standby.errors import BadInput, Throttled, Unreachable
from standby.workspace.client import SdkWorkspace, SecretValue, Workspace, map_error, sdk_client
from standby.workspace.kinds import Doc, Remote

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

    from standby.config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")


IDEMPOTENT = ("GET", "HEAD", "PUT")  # safe to send again after a lost connection


class RetryPolicy:
    """When one HTTP request is sent again. A 429/503 always (the workspace did not act),
    after Retry-After or exponential backoff with jitter; a lost connection or a server
    error (500, 504) only for an idempotent request, since a create may have happened
    (sync then finds it by name).
    Applied per request: a listing of many pages must not start over for one 429."""

    def __init__(
        self,
        *,
        attempts: int = 8,
        connect_attempts: int = 3,
        base_delay: float = 0.2,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        self.attempts = attempts
        self.connect_attempts = connect_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.jitter = jitter

    def call(self, send: Callable[[], T], *, idempotent: bool) -> T:
        """`send()`, retried; the error that ends it is raised as the SDK raised it, with
        `standby_attempts` set when it was tried more than once."""
        attempt = 1
        while True:
            try:
                return send()
            except Exception as e:
                delay = self._delay(e, attempt, idempotent=idempotent)
                if delay is None:
                    if attempt > 1:
                        e.standby_attempts = attempt  # type: ignore[attr-defined]
                    raise
            log.debug("retry %d in %.2f s", attempt, delay)
            self.sleep(delay)
            attempt += 1

    def _delay(self, error: Exception, attempt: int, *, idempotent: bool) -> float | None:
        kind = map_error(error, doing="a request", label="")
        if isinstance(kind, Throttled):
            if attempt >= self.attempts:
                return None
            return max(kind.retry_after or 0.0, self._backoff(attempt))
        if isinstance(kind, Unreachable) and idempotent and attempt < self.connect_attempts:
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + self.jitter() / 2)


def with_retries(client: WorkspaceClient, policy: RetryPolicy) -> WorkspaceClient:
    """`client` with each of its HTTP requests retried by `policy` (every service of the
    SDK sends through `api_client.do`; the SDK's own retry loop is off: `sdk_client`)."""
    send = client.api_client.do

    def do(method: str, *args: Any, **kwargs: Any) -> Any:
        return policy.call(
            lambda: send(method, *args, **kwargs), idempotent=method.upper() in IDEMPOTENT
        )

    client.api_client.do = do  # type: ignore[method-assign]
    return client


class DryRunWorkspace:
    """Reads from the workspace; writes are recorded in `writes` and never made. A created
    object gets a placeholder id, so that what references it still resolves in the plan."""

    def __init__(self, inner: Workspace):
        self.inner = inner
        self.label = inner.label
        self.writes: list[str] = []

    def list(self, kind: str) -> list[Remote]:
        return self.inner.list(kind)

    def read(self, kind: str, item: Remote) -> Remote:
        return self.inner.read(kind, item)

    def create(self, kind: str, name: str, doc: Doc) -> str:
        self.writes.append(f"create {kind} {name}")
        return f"<new {kind} {name}>"

    def update(self, kind: str, item: Remote, doc: Doc) -> None:
        self.writes.append(f"update {kind} {item.name}")

    def delete(self, kind: str, item: Remote) -> None:
        self.writes.append(f"delete {kind} {item.name}")

    def put_secret(self, scope: str, key: str, value: SecretValue) -> None:
        self.writes.append(f"set secret {scope}/{key}")

    def delete_secret(self, scope: str, key: str) -> None:
        self.writes.append(f"delete secret {scope}/{key}")


def dry_run_of(ws: Workspace) -> Workspace:
    """`ws` with its writes recorded, not made (itself when it records them already)."""
    return ws if isinstance(ws, DryRunWorkspace) else DryRunWorkspace(ws)


def connect(
    client: WorkspaceClient,
    *,
    label: str,
    retry: RetryPolicy | None = None,
    dry_run: bool = False,
) -> Workspace:
    """The one place the workspace is composed: retries on every request of the SDK
    client, the protocol adapter over it, and dry-run outermost (a dry run never even
    tries a write)."""
    ws: Workspace = SdkWorkspace(with_retries(client, retry or RetryPolicy()), label=label)
    return dry_run_of(ws) if dry_run else ws


def open_workspace(config: Config, site: str, *, dry_run: bool = False) -> Workspace:
    """The workspace of a site of standby.yml, through the SDK, with retries (and dry-run)."""
    settings = config.site(site).workspace
    if settings is None:
        raise BadInput(
            f"Site '{site}' has no workspace in standby.yml.",
            hint=f"Add sites.{site}.workspace (host and token_env, or profile).",
        )
    where = settings.host or f"profile {settings.profile}"
    return connect(sdk_client(settings), label=f"{site} ({where})", dry_run=dry_run)
