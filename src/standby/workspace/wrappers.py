"""Wrappers of the Workspace protocol, and the one factory that composes them:
retries with backoff (429/503 always, a dropped connection only for reads), and dry-run
(reads pass through, writes are recorded and not made).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from standby.errors import BadInput, Throttled, Unreachable
from standby.workspace.client import SdkWorkspace, SecretValue, Workspace, sdk_client
from standby.workspace.kinds import Doc, Remote

if TYPE_CHECKING:
    from standby.config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")


class RetryingWorkspace:
    """Retries what the workspace turned away. A 429/503 is retried for every call (the
    workspace did not act), after Retry-After or exponential backoff with jitter; a lost
    connection only for reads, since a write may have happened (sync reconciles by name)."""

    def __init__(
        self,
        inner: Workspace,
        *,
        attempts: int = 8,
        read_attempts: int = 3,
        base_delay: float = 0.2,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        self.inner = inner
        self.label = inner.label
        self.attempts = attempts
        self.read_attempts = read_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.jitter = jitter

    def _retry(self, fn: Callable[[], T], *, read: bool) -> T:
        attempt = 1
        while True:
            try:
                return fn()
            except Throttled as e:
                if attempt >= self.attempts:
                    e.message += f" (still so after {attempt} attempts)"
                    raise
                delay = max(e.retry_after or 0.0, self._backoff(attempt))
            except Unreachable:
                if not read or attempt >= self.read_attempts:
                    raise
                delay = self._backoff(attempt)
            log.debug("%s: retry %d in %.2f s", self.label, attempt, delay)
            self.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling * (0.5 + self.jitter() / 2)

    def list(self, kind: str) -> list[Remote]:
        return self._retry(lambda: self.inner.list(kind), read=True)

    def read(self, kind: str, item: Remote) -> Remote:
        return self._retry(lambda: self.inner.read(kind, item), read=True)

    def create(self, kind: str, name: str, doc: Doc) -> str:
        return self._retry(lambda: self.inner.create(kind, name, doc), read=False)

    def update(self, kind: str, item: Remote, doc: Doc) -> None:
        self._retry(lambda: self.inner.update(kind, item, doc), read=False)

    def delete(self, kind: str, item: Remote) -> None:
        self._retry(lambda: self.inner.delete(kind, item), read=False)

    def put_secret(self, scope: str, key: str, value: SecretValue) -> None:
        self._retry(lambda: self.inner.put_secret(scope, key, value), read=False)

    def delete_secret(self, scope: str, key: str) -> None:
        self._retry(lambda: self.inner.delete_secret(scope, key), read=False)


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


def wrap(inner: Workspace, *, retries: bool = True, dry_run: bool = False) -> Workspace:
    """The one place the wrappers are composed: retries next to the API, dry-run outermost
    (so a dry run never even tries a write)."""
    ws: Workspace = RetryingWorkspace(inner) if retries else inner
    return DryRunWorkspace(ws) if dry_run else ws


def open_workspace(config: Config, site: str, *, dry_run: bool = False) -> Workspace:
    """The workspace of a site of standby.yml, through the SDK, with retries (and dry-run)."""
    settings = config.site(site).workspace
    if settings is None:
        raise BadInput(
            f"Site '{site}' has no workspace in standby.yml.",
            hint=f"Add sites.{site}.workspace (host and token_env, or profile).",
        )
    where = settings.host or f"profile {settings.profile}"
    return wrap(SdkWorkspace(sdk_client(settings), label=f"{site} ({where})"), dry_run=dry_run)
