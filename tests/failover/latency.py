"""A `standby` run whose local storage writes answer late, as a remote store's do.

The windows between a reprotect's writes (each commit moved aside, each commit copied
back) last microseconds on a local disk; a crash test must land its SIGKILL inside them.
Each write here waits a few milliseconds first, so the windows are wide enough to hit
by watching the storage. Fault injection by wrapping the real backend; reads untouched.
"""

from __future__ import annotations

import time
from typing import Any

from tests.replication._processes import _cli_child

WRITE_LATENCY = 0.003  # seconds before each put, copy and delete


def slow_writes_child(argv: list[str], log: str, env: dict[str, str]) -> None:
    """In the forked process: the CLI, with every local write `WRITE_LATENCY` late."""
    from standby.storage.local import LocalStore

    for method in ("put", "copy_from", "delete"):
        setattr(LocalStore, method, _late(getattr(LocalStore, method)))
    _cli_child(argv, log, env)


def _late(write: Any) -> Any:
    def late(self: Any, *args: Any, **kwargs: Any) -> Any:
        time.sleep(WRITE_LATENCY)
        return write(self, *args, **kwargs)

    return late
