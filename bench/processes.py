"""Running the CLI as a whole process and measuring it: wall time, CPU time and peak RSS.

Peak RSS is the process's VmHWM, written by the process itself at exit: ru_maxrss would
carry over the memory of the forking parent (Linux keeps it across exec).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# The CLI, with its peak RSS written to $STANDBY_HWM_FILE when it exits (sys.exit included).
CHILD = """
import atexit, os, sys
def _hwm():
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    open(os.environ["STANDBY_HWM_FILE"], "w").write(status.split()[0])
atexit.register(_hwm)
sys.argv[0] = "standby"
from standby.cli import main
main()
"""


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float  # wall
    cpu: float  # user + system
    peak_mb: float


def run_cli(args: list[str], *, cwd: Path) -> Run:
    """`standby ARGS` as its own process, measured."""
    with tempfile.TemporaryDirectory() as scratch:
        hwm, out_path, err_path = (Path(scratch) / n for n in ("hwm", "out", "err"))
        env = {**os.environ, "STANDBY_HWM_FILE": str(hwm)}
        started = time.perf_counter()
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-c", CHILD, *args], cwd=cwd, stdout=out, stderr=err, env=env
            )
            _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        return Run(
            code=os.waitstatus_to_exitcode(status),
            out=out_path.read_text(),
            err=err_path.read_text(),
            seconds=seconds,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_mb=int(hwm.read_text()) / 1024 if hwm.exists() else float("nan"),
        )
