"""Listing 10,000 jobs through databricks-sdk from `standby sandbox up` (target: under 5 s).

    python -m bench.sandbox_list_jobs [--jobs 10000] [--in-process]

The state is built directly (10,000 creates over HTTP would time the setup, not the
listing), then the sandbox serves it from its own process, as `standby sandbox up` does,
so client and server do not share a GIL. Each listing is timed end to end in the SDK.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from databricks.sdk import WorkspaceClient

from standby.sandbox import jobs as jobs_api
from standby.sandbox import start
from standby.sandbox.api import Context, Request, SystemClock
from standby.sandbox.state import Store

TARGET_SECONDS = 5.0


def build_state(path: Path, count: int) -> None:
    """A state file holding `count` two-task jobs, written without HTTP."""
    store = Store(path)
    store.identity("bench", None)
    ctx = Context(store=store, clock=SystemClock(), step_seconds=1.0, user_name="bench@sandbox")
    for i in range(count):
        body = {
            "name": f"job-{i:05d}",
            "tasks": [
                {"task_key": "ingest", "notebook_task": {"notebook_path": "/Shared/ingest"}},
                {
                    "task_key": "publish",
                    "depends_on": [{"task_key": "ingest"}],
                    "notebook_task": {"notebook_path": "/Shared/publish"},
                },
            ],
            "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC"},
            "tags": {"team": "bench"},
        }
        jobs_api.create(ctx, Request("POST", "/api/2.2/jobs/create", {}, body))
    store.start_writing()
    store.close()


def serve(state: Path) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "standby", "sandbox", "up", "--json", "--state", str(state)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.rstrip() == "}":
            break
    info = json.loads("".join(lines))
    return proc, info["url"], info["token"]


def timed(run: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = run()
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--in-process", action="store_true", help="serve from this process")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "bench.json"
        build_state(state, args.jobs)
        if args.in_process:
            sandbox = start(state_path=state)
            url, token, stop = sandbox.url, sandbox.token, sandbox.stop
        else:
            proc, url, token = serve(state)

            def stop() -> None:
                proc.terminate()
                proc.wait(timeout=10)

        try:
            w = WorkspaceClient(host=url, token=token, auth_type="pat")
            cases = [
                ("list, limit 100", lambda: sum(1 for _ in w.jobs.list(limit=100))),
                ("list, default limit 20", lambda: sum(1 for _ in w.jobs.list())),
                (
                    "list, limit 100, expand_tasks",
                    lambda: sum(1 for _ in w.jobs.list(limit=100, expand_tasks=True)),
                ),
            ]
            rows = [(name, *timed(run)) for name, run in cases]
        finally:
            stop()

    width = max(len(name) for name, _, _ in rows)
    where = "this process" if args.in_process else "a separate process"
    print(f"sandbox: {args.jobs:,} jobs, served from {where}; target < {TARGET_SECONDS:.0f} s")
    print(f"{'benchmark':<{width}}  {'jobs':>7}  {'seconds':>7}  {'jobs/s':>8}  target")
    for name, seconds, count in rows:
        verdict = "ok" if seconds < TARGET_SECONDS and count == args.jobs else "MISSED"
        print(f"{name:<{width}}  {count:>7,}  {seconds:>7.2f}  {count / seconds:>8,.0f}  {verdict}")


if __name__ == "__main__":
    main()
