"""A follower stopped by Ctrl-C or SIGTERM ends its pass, prints one final document with
--json (what it did per table), and exits 0: stopping is how a follower ends."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import deltalake
import pytest

from tests.replication._support import append, grow


def _version(uri: str) -> int | None:
    try:
        return deltalake.DeltaTable(uri).version()
    except deltalake.exceptions.TableNotFoundError:
        return None


def _wait_for(uri: str, version: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while _version(uri) != version:
        assert proc.poll() is None, "the follower ended on its own"
        assert time.monotonic() < deadline, f"{uri} never reached version {version}"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_follower_prints_its_totals(signum: int, tmp_path: Path) -> None:
    src, dst = str(tmp_path / "source"), str(tmp_path / "replica")
    grow(src, 3)
    argv = ["--json", "replicate", src, dst, "--follow", "--interval", "0.1"]
    with (tmp_path / "stderr.txt").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "standby", *argv], stdout=subprocess.PIPE, stderr=err
        )
        try:
            _wait_for(dst, 2, proc)
            append(src, 1000, 8)
            _wait_for(dst, 3, proc)
            proc.send_signal(signum)
            out, _ = proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert proc.returncode == 0, (tmp_path / "stderr.txt").read_text()
    doc = json.loads(out)  # exactly one document
    assert doc["stopped"] is True
    (table,) = doc["tables"]
    assert table["replica_version"] == table["source_version"] == 3
    assert table["passes"] >= 2 and table["commits_published"] == 4
    assert table["files_copied"] == 4 * 4  # 4 commits of 4 partitions each
