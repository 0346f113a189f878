"""`standby sandbox up`: a local Databricks workspace API in the foreground, until Ctrl-C."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console

from standby.cli.lazy import lazy_module
from standby.cli.output import emit, flags
from standby.cli.signals import wait_for_signal

if TYPE_CHECKING:
    from standby import sandbox as sandbox_lib
    from standby.sandbox import RunningSandbox
else:  # the SDK models take a second to load: not for `sandbox up --help`
    sandbox_lib = lazy_module("standby.sandbox")

app = typer.Typer(help="A local Databricks workspace API for rehearsals.", no_args_is_help=True)


Port = Annotated[
    int, typer.Option("--port", help="Port to listen on; 0 = any free one.", min=0, max=65535)
]
Host = Annotated[str, typer.Option("--host", help="Address to bind.")]
StateFile = Annotated[
    Path | None,
    typer.Option(
        "--state", help="State file: kept across restarts (memory only if unset).", dir_okay=False
    ),
]
Name = Annotated[str, typer.Option("--name", help="Workspace name (primary, dr, ...).")]
Seed = Annotated[
    Literal["demo", "docs"] | None,
    typer.Option("--seed", help="Fill a new workspace: demo | docs."),
]
Token = Annotated[
    str | None, typer.Option("--token", help="Bearer token to accept (generated if unset).")
]
StepSeconds = Annotated[
    float,
    typer.Option(
        "--step-seconds", help="Seconds per lifecycle step of runs and clusters.", min=0, max=3600
    ),
]
ThrottleRate = Annotated[
    float, typer.Option("--throttle-rate", help="Share of requests answered 429.", min=0, max=1)
]
UnavailableRate = Annotated[
    float,
    typer.Option("--unavailable-rate", help="Share of requests answered 503.", min=0, max=1),
]
RetryAfter = Annotated[
    int, typer.Option("--retry-after", help="Retry-After seconds on 429/503.", min=0, max=3600)
]
LatencyMs = Annotated[
    float, typer.Option("--latency-ms", help="Added latency per request.", min=0, max=60_000)
]


@app.command("up")
def up(
    port: Port = 0,
    host: Host = "127.0.0.1",
    state: StateFile = None,
    name: Name = "sandbox",
    seed: Seed = None,
    token: Token = None,
    step_seconds: StepSeconds = 1.0,
    throttle_rate: ThrottleRate = 0.0,
    unavailable_rate: UnavailableRate = 0.0,
    retry_after: RetryAfter = 1,
    latency_ms: LatencyMs = 0.0,
) -> None:
    """Serve one workspace until Ctrl-C (or SIGTERM); the state file is written on the way out."""
    faults = sandbox_lib.Faults(
        throttle_rate=throttle_rate,
        unavailable_rate=unavailable_rate,
        retry_after_seconds=retry_after,
        latency_seconds=latency_ms / 1000,
        seed=None,
    )
    sandbox = sandbox_lib.start(
        name=name,
        state_path=state,
        port=port,
        host=host,
        token=token,
        seed=seed,
        step_seconds=step_seconds,
        faults=faults,
    )
    try:
        info = {
            "name": sandbox.name,
            "url": sandbox.url,
            "token": sandbox.token,
            "workspace_id": sandbox.store.meta["workspace_id"],
            "state": str(state) if state else None,
        }
        emit(info, lambda c: _render(c, sandbox, state))
        sys.stdout.flush()
        wait_for_signal()
    finally:
        sandbox.stop()
    if not flags().json:
        Console(file=sys.stderr).print(f"sandbox {sandbox.name} stopped")


def _render(c: Console, sandbox: RunningSandbox, state: Path | None) -> None:
    c.print(f"sandbox [bold]{sandbox.name}[/] serving at {sandbox.url}")
    c.print(f"  token: {sandbox.token}")
    c.print(f"  state: {state if state else 'in memory (lost on exit)'}")
    c.print(f"  use:   DATABRICKS_HOST={sandbox.url} DATABRICKS_TOKEN=<token>", soft_wrap=True)
    c.print("Press Ctrl-C to stop.")
