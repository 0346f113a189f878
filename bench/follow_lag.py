"""`replicate --follow` lag at full length: a writer commits once a second for 60 s, on
local storage and on S3 (moto), and the lag of each commit (visible on the replica minus
its commit timestamp) is measured; p50 and p99 printed.

python -m bench.follow_lag [--seconds 60]

It is the suite's test (tests/replication/test_follow.py), which runs 10 s there, run at
full length: one measurement, one piece of code.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args(argv)
    env = {**os.environ, "STANDBY_FOLLOW_SECONDS": str(args.seconds)}
    test = "tests/replication/test_follow.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", test, "-q", "-s", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    print(f"\nFollow lag, writer committing every second for {args.seconds} s")
    for line in done.stdout.splitlines():  # "<test id>: <measured line>", printed at the end
        for mark in ("follow on", "metrics at the end"):
            if mark in line:
                print(line[line.index(mark) :])
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n")
        raise SystemExit(done.returncode)


if __name__ == "__main__":
    main()
