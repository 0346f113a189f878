"""Ctrl-C during a slow first copy: `standby replicate` stops within a second (its partial
result is out), publishes no further commit, exits 130, and with --json prints what it did;
a rerun carries on.

The copy is slow for real: the replica is on moto's S3 server behind a proxy that delays
every request, and the process is `python -m standby` as a user starts it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from standby.replication import replicate_table
from standby.replication.replicator import BATCH_COMMITS as BATCH
from standby.storage import open_store
from tests.fault_proxy import fault_proxy
from tests.replication._support import append, assert_valid_replica
from tests.servers import Root, S3Server, s3_options

COMMITS = 2 * BATCH + 2  # a pass publishes by batches: the signal lands in the second
FILES_PER_COMMIT = 4
LATENCY = 0.03  # seconds added to each S3 request


def _published(dst: str, options: dict[str, str]) -> list[int]:
    store = open_store(dst, options=options)
    names = [i.path.rsplit("/", 1)[-1] for i in store.list("_delta_log/")]
    return sorted(int(n[:20]) for n in names if len(n) == 25 and n.endswith(".json"))


def _data_objects(dst: str, options: dict[str, str]) -> int:
    store = open_store(dst, options=options)
    return sum(
        1 for i in store.list("") if i.path.endswith(".parquet") and "_delta_log" not in i.path
    )


def _wait(condition: object, proc: subprocess.Popen[bytes], what: str, limit: float) -> None:
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        assert proc.poll() is None, f"replicate ended before {what}"
        assert time.monotonic() < deadline, f"waited {limit}s for {what}"
        time.sleep(0.02)


def test_ctrl_c_stops_a_slow_first_copy_within_a_second(
    tmp_path: Path, s3_server: S3Server, make_root: Callable[[str], Root]
) -> None:
    src = str(tmp_path / "source")
    for i in range(COMMITS):
        append(src, i * 8, 8)
    root = make_root("s3")
    direct, dst = root.storage_options, root.join("replica")
    with fault_proxy(s3_server.server.url) as proxy:
        proxy.latency = LATENCY
        env = {**os.environ, **s3_options(proxy.url), "AWS_EC2_METADATA_DISABLED": "true"}
        err = (tmp_path / "stderr.txt").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "standby", "--json", "replicate", src, dst, "--history", "all"],
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
        )
        try:
            # The first batch is published; the second batch's files are being copied.
            _wait(lambda: len(_published(dst, direct)) >= BATCH, proc, "the first batch", 120)
            first = BATCH * FILES_PER_COMMIT
            _wait(lambda: _data_objects(dst, direct) > first + 8, proc, "the second batch", 60)
            at_signal = _published(dst, direct)
            proc.send_signal(signal.SIGINT)
            sent = time.monotonic()
            assert proc.stdout is not None
            select.select([proc.stdout], [], [], 30)  # the result: the work has stopped
            reported_after = time.monotonic() - sent
            out, _ = proc.communicate(timeout=30)
            exited_after = time.monotonic() - sent
        finally:
            proc.kill()
            err.close()
    stderr = (tmp_path / "stderr.txt").read_text()
    assert proc.returncode == 130, stderr
    assert reported_after < 1.0, f"{reported_after:.2f}s from SIGINT to the result"
    # Then the interpreter tears down (0.1-0.6 s on this 2-core machine, more under load).
    assert exited_after < 3.0, f"{exited_after:.2f}s from SIGINT to exit"
    assert at_signal == list(range(BATCH)), at_signal
    assert _published(dst, direct) == at_signal, "a commit was published after the signal"
    assert "Traceback" not in stderr and "Interrupted" not in stderr.split("error:")[0]

    doc = json.loads(out)  # one document: the partial result
    assert doc["interrupted"] is True and doc["errors"] == []
    (table,) = doc["tables"]
    assert table["interrupted"] is True
    assert table["to_version"] == BATCH - 1 and table["commits_published"] == BATCH
    assert table["files_copied"] >= BATCH * FILES_PER_COMMIT

    assert assert_valid_replica(src, dst, options=direct) == BATCH - 1
    rest = replicate_table(src, dst, history="all", target_options=direct)
    assert not rest.interrupted and rest.from_version == BATCH
    assert assert_valid_replica(src, dst, options=direct) == COMMITS - 1
