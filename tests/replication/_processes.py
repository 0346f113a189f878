"""Real `standby` processes for the tests that kill them.

`python -m standby` spends about two seconds importing before it does anything, which a
test that kills twenty processes cannot afford. A forkserver that has already imported
the CLI forks each run instead: every run is still a process of its own, running the
CLI's `main` from argv to exit code, and SIGKILL ends it where it stands.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

REPO = Path(__file__).resolve().parents[2]


class Running(Protocol):
    pid: int

    def alive(self) -> bool: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float = 60) -> int: ...


def _cli_child(argv: list[str], log: str, env: dict[str, str]) -> None:
    """In the forked process: the CLI, with stdout and stderr into `log`."""
    os.environ.update(env)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    from standby.cli import main

    sys.exit(main(argv))


class Forked:
    """One CLI run forked from the warm forkserver; `child` (a module-level function of
    the same arguments that ends by calling `_cli_child`) may wrap the run."""

    def __init__(
        self,
        argv: list[str],
        log: Path,
        env: dict[str, str],
        *,
        child: Callable[[list[str], str, dict[str, str]], None] = _cli_child,
    ):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["standby.cli", "tests.replication._processes"])
        self._proc = ctx.Process(target=child, args=(argv, str(log), env), daemon=True)
        self._proc.start()
        assert self._proc.pid is not None
        self.pid = self._proc.pid

    def alive(self) -> bool:
        return self._proc.is_alive()

    def kill(self) -> None:
        self._proc.kill()

    def wait(self, timeout: float = 60) -> int:
        self._proc.join(timeout)
        assert self._proc.exitcode is not None, "the run did not end"
        return self._proc.exitcode


class Spawned:
    """`python -m standby ARGV`, as a user runs it."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str]):
        with log.open("ab") as out:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "standby", *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env},
                cwd=REPO,
            )
        self.pid = self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def kill(self) -> None:
        self._proc.send_signal(signal.SIGKILL)

    def wait(self, timeout: float = 60) -> int:
        return self._proc.wait(timeout)
