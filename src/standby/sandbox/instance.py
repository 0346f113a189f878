"""One running sandbox: `start()` builds the store, the routes and the HTTP server on a
port (0 = a free one) and serves in a background thread; `RunningSandbox` is the handle
tests and the demo hold: its URL and token, fault injection, down/up, and `stop()`.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from standby.errors import BadInput
from standby.sandbox import (
    compute,
    identity,
    jobs,
    permissions,
    runs,
    secrets,
    statements,
    uc_grants,
    unity_catalog,
    warehouses,
    workspace_objects,
)
from standby.sandbox.api import Clock, Context, Request, Router, SystemClock
from standby.sandbox.faults import Faults
from standby.sandbox.server import SandboxHTTPServer
from standby.sandbox.state import Store

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

log = logging.getLogger(__name__)

MODULES = (
    identity,
    jobs,
    runs,
    compute,
    warehouses,
    statements,
    secrets,
    unity_catalog,
    uc_grants,
    workspace_objects,
    permissions,
)
USER_NAME = "admin@sandbox.standby"


def build_router(faults: Faults) -> Router:
    """Every endpoint family's routes, plus `/_sandbox/` control (faults, health)."""
    router = Router()
    for module in MODULES:
        module.register(router)

    def health(ctx: Context, req: Request) -> dict[str, Any]:
        return {"name": ctx.store.meta["name"], "workspace_id": ctx.store.meta["workspace_id"]}

    def set_faults(ctx: Context, req: Request) -> dict[str, Any]:
        known = (
            "throttle_rate",
            "unavailable_rate",
            "error_rate",
            "retry_after_seconds",
            "latency_seconds",
        )
        faults.update(**{k: req.body[k] for k in known if k in req.body})
        return faults.as_dict()

    router.add("GET", "/_sandbox/health", health)
    router.add("GET", "/_sandbox/faults", lambda ctx, req: faults.as_dict())
    router.add("POST", "/_sandbox/faults", set_faults)
    return router


class RunningSandbox:
    """A sandbox serving on `url` with bearer `token`, until `stop()`."""

    def __init__(self, *, store: Store, ctx: Context, faults: Faults, host: str, port: int):
        self.store = store
        self.ctx = ctx
        self.faults = faults
        self.host = host
        self._router = build_router(faults)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        self._listen()

    @property
    def name(self) -> str:
        return str(self.store.meta["name"])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def token(self) -> str:
        return str(self.store.meta["token"])

    @property
    def is_down(self) -> bool:
        return self._server is None

    def client(self, **config: Any) -> WorkspaceClient:
        """A databricks-sdk WorkspaceClient for this sandbox (PAT auth, no profile file);
        `config` adds Config attributes (retry_timeout_seconds, http_timeout_seconds, ...)."""
        from databricks.sdk import WorkspaceClient
        from databricks.sdk.core import Config

        cfg = Config(host=self.url, token=self.token, auth_type="pat", **config)
        return WorkspaceClient(config=cfg)

    def set_faults(
        self,
        *,
        throttle_rate: float | None = None,
        unavailable_rate: float | None = None,
        error_rate: float | None = None,
        retry_after_seconds: int | None = None,
        latency_seconds: float | None = None,
    ) -> None:
        """Answer that share of requests with 429 / 503 (with Retry-After) / 500, and add
        latency."""
        self.faults.update(
            throttle_rate=throttle_rate,
            unavailable_rate=unavailable_rate,
            error_rate=error_rate,
            retry_after_seconds=retry_after_seconds,
            latency_seconds=latency_seconds,
        )

    def go_down(self) -> None:
        """Close the listener and cut open connections: clients get connection refused."""
        server, self._server = self._server, None
        if server is None:
            return
        server.down = True
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def come_up(self) -> None:
        """Listen again on the same port, with the same state."""
        if self._server is None:
            self._listen()

    def stop(self) -> None:
        """Stop serving and write the state file (if any). Idempotent."""
        self.go_down()
        self.store.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listen(self) -> None:
        try:
            server = SandboxHTTPServer(
                (self.host, self.port), router=self._router, ctx=self.ctx, faults=self.faults
            )
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise BadInput(
                    f"Port {self.port} on {self.host} is already in use.",
                    hint="Pick another --port, or 0 for any free port.",
                ) from e
            raise BadInput(
                f"Cannot listen on {self.host}:{self.port}: {e.strerror or e}.",
                hint="Give --host an address of this machine (127.0.0.1 by default).",
            ) from e
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.name}",
            daemon=True,
        )
        self._thread.start()


def start(
    *,
    name: str = "sandbox",
    state_path: str | Path | None = None,
    port: int = 0,
    host: str = "127.0.0.1",
    token: str | None = None,
    seed: str | None = None,
    table_locations: Mapping[str, str] | None = None,
    step_seconds: float = 1.0,
    clock: Clock | None = None,
    faults: Faults | None = None,
) -> RunningSandbox:
    """Start a sandbox workspace in this process and return its handle.

    With `state_path`, state is loaded from and kept in that file (a restart finds it again,
    same token); without, it lives in memory. `seed` ("demo" or "docs") fills a new state
    only: a restarted sandbox is never seeded twice. `step_seconds` paces runs, clusters
    and warehouses through their states.
    """
    store = Store(Path(state_path) if state_path is not None else None)
    fresh = store.fresh
    store.identity(name, token)
    ctx = Context(
        store=store, clock=clock or SystemClock(), step_seconds=step_seconds, user_name=USER_NAME
    )
    try:
        sandbox = RunningSandbox(
            store=store, ctx=ctx, faults=faults or Faults(), host=host, port=port
        )
    except BaseException:
        store.close()
        raise
    store.start_writing()
    if seed is not None:
        if fresh:
            from standby.sandbox.seed import apply_seed

            apply_seed(sandbox.client(), seed, table_locations=table_locations)
        else:
            log.info("sandbox %s: state %s exists, not seeding again", name, state_path)
    return sandbox
