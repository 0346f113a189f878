"""The workspace boundary: the `Workspace` protocol that export, diff and sync use, its
databricks-sdk adapter, the one mapping of SDK errors to standby's, and bounded parallelism.

Retries are not the SDK's: its retry loop is switched off (`_NoRetryClock`) so that the
retry policy in `standby.workspace.wrappers` alone decides, with a clock tests control.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from standby.errors import (
    AccessDenied,
    BadInput,
    ObjectExists,
    ObjectNotFound,
    StandbyError,
    Throttled,
    Unreachable,
)
from standby.workspace.kinds import Doc, Remote, kind

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

    from standby.config.site import Workspace as WorkspaceConfig

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


class SecretValue:
    """A secret value on its way to a workspace; `repr` and `str` never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretValue('***')"

    __str__ = __repr__


class Workspace(Protocol):
    """One Databricks workspace, seen through resource kinds (`standby.workspace.kinds`).

    Every method raises Unreachable when the workspace cannot be reached or answers a
    server error (500/504), Throttled (an Unreachable) when it answers 429/503,
    AccessDenied when it refuses the credentials.
    """

    label: str  # the site and host, for messages

    def list(self, kind: str) -> list[Remote]:
        """Every object of `kind`; some may need `read` for their whole body. Idempotent."""
        ...

    def read(self, kind: str, item: Remote) -> Remote:
        """`item` with its whole body (itself if complete). Idempotent. ObjectNotFound if gone."""
        ...

    def create(self, kind: str, name: str, doc: Doc) -> str:
        """Create an object from a document holding this workspace's ids; return its id.
        Not idempotent: after a failure that may have created it, look it up by name."""
        ...

    def update(self, kind: str, item: Remote, doc: Doc) -> None:
        """Make `item` match the document. Idempotent. ObjectNotFound if gone."""
        ...

    def delete(self, kind: str, item: Remote) -> None:
        """Delete `item`. Idempotent in effect: ObjectNotFound if already gone."""
        ...

    def put_secret(self, scope: str, key: str, value: SecretValue) -> None:
        """Set a secret's value. Idempotent. The value appears in no message."""
        ...

    def delete_secret(self, scope: str, key: str) -> None:
        """Delete a secret. ObjectNotFound if already gone."""
        ...


class _NoRetryClock:
    """The SDK's retry loop sleeps while handling the error; re-raising it there hands
    every retry decision to our wrapper."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        raise  # the error the SDK is handling: see the class docstring


def sdk_client(config: WorkspaceConfig) -> WorkspaceClient:
    """A WorkspaceClient for a site's workspace, with the SDK's own retries off and a short
    discovery probe (an unreachable host fails in seconds, not after five minutes)."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.core import Config

    settings: dict[str, Any] = {
        **config.client_kwargs(),
        "clock": _NoRetryClock(),
        "retry_timeout_seconds": 1,
        "http_timeout_seconds": 60,
    }
    return WorkspaceClient(config=Config(**settings))


def map_error(error: BaseException, *, doing: str, label: str) -> BaseException:
    """The standby error for an SDK or HTTP error met while `doing` something on the
    workspace `label`; other exceptions are returned as they are (bugs stay visible)."""
    import requests
    from databricks.sdk import errors as sdk
    from databricks.sdk.errors.base import DatabricksError

    if isinstance(error, StandbyError):
        return error
    where = f"the workspace {label}"
    tries = getattr(error, "standby_attempts", None)
    tried = f" ({tries} attempts)" if tries else ""
    if isinstance(error, sdk.TooManyRequests | sdk.TemporarilyUnavailable):
        status = 429 if isinstance(error, sdk.TooManyRequests) else 503
        return Throttled(
            f"{where} answered {status} while {doing}{tried}.",
            retry_after=getattr(error, "retry_after_secs", None),
            hint="It is throttling or busy; rerun later: work already done is not repeated.",
        )
    if isinstance(error, sdk.InternalError | sdk.DeadlineExceeded):
        status = 500 if isinstance(error, sdk.InternalError) else 504
        return Unreachable(
            f"{where} answered {status} (a server error) while {doing}{tried}: {error}",
            hint="The workspace is failing, not refusing: check its health and rerun later; "
            "work already done is not repeated.",
        )
    if isinstance(error, requests.ConnectionError | requests.Timeout):
        return Unreachable(
            f"{where} cannot be reached ({doing}{tried}): {type(error).__name__}.",
            hint="Check that it is up and that its host in standby.yml is right; rerun to "
            "finish: work already done is not repeated.",
        )
    if not isinstance(error, DatabricksError):
        return error
    if isinstance(error, sdk.Unauthenticated | sdk.PermissionDenied):
        return AccessDenied(
            f"{where} refused {doing}: {error}",
            hint="Check the token or profile that standby.yml names for this site.",
        )
    if isinstance(error, sdk.InternalError | sdk.DeadlineExceeded):  # 500, 504: its fault
        return Unreachable(
            f"{where} failed while {doing}{tried}: {error}",
            hint="The workspace has a problem of its own; rerun later: work already done is "
            "not repeated.",
        )
    if isinstance(error, sdk.NotFound):
        return ObjectNotFound(f"{where}: {doing}: {error}")
    if isinstance(error, sdk.ResourceAlreadyExists):
        return ObjectExists(f"{where}: {doing}: {error}")
    return BadInput(f"{where} refused {doing}: {error}")


def stops_the_run(error: StandbyError) -> bool:
    """Whether an error ends a whole export or sync: the workspace cannot be reached, or
    kept answering 500. One still throttled after every retry fails only its object,
    which waits for a rerun."""
    return isinstance(error, Unreachable) and not isinstance(error, Throttled)


class SdkWorkspace:
    """The Workspace protocol over a databricks-sdk WorkspaceClient."""

    def __init__(self, client: WorkspaceClient, *, label: str):
        self.client = client
        self.label = label

    def _call(self, doing: str, fn: Callable[[], T], *, secret: str | None = None) -> T:
        try:
            return fn()
        except Exception as e:
            mapped = map_error(e, doing=doing, label=self.label)
            if mapped is e:
                raise
            if secret and isinstance(mapped, StandbyError) and secret in mapped.message:
                mapped.message = mapped.message.replace(secret, "***")  # never echo a value
            raise mapped from None if secret else e

    def list(self, kind_name: str) -> list[Remote]:
        return self._call(f"listing {kind_name}", lambda: list(kind(kind_name).list(self.client)))

    def read(self, kind_name: str, item: Remote) -> Remote:
        if item.complete:
            return item
        return self._call(
            f"reading {kind_name} {item.name!r}", lambda: kind(kind_name).read(self.client, item)
        )

    def create(self, kind_name: str, name: str, doc: Doc) -> str:
        return self._call(
            f"creating {kind_name} {name!r}", lambda: kind(kind_name).create(self.client, name, doc)
        )

    def update(self, kind_name: str, item: Remote, doc: Doc) -> None:
        self._call(
            f"updating {kind_name} {item.name!r}",
            lambda: kind(kind_name).update(self.client, item, doc),
        )

    def delete(self, kind_name: str, item: Remote) -> None:
        self._call(
            f"deleting {kind_name} {item.name!r}", lambda: kind(kind_name).delete(self.client, item)
        )

    def put_secret(self, scope: str, key: str, value: SecretValue) -> None:
        self._call(
            f"setting secret {scope}/{key}",
            lambda: self.client.secrets.put_secret(scope, key, string_value=value.reveal()),
            secret=value.reveal(),
        )

    def delete_secret(self, scope: str, key: str) -> None:
        self._call(
            f"deleting secret {scope}/{key}", lambda: self.client.secrets.delete_secret(scope, key)
        )


def parallel(fn: Callable[[T], R], items: Sequence[T], *, workers: int) -> list[R]:
    """`fn` over `items`, at most `workers` at a time, results in order. The first error
    is raised once the calls in flight end; calls not yet started are dropped."""
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="workspace") as pool:
        futures = [pool.submit(fn, item) for item in items]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise
