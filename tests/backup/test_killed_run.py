"""Acceptance 4: a `standby backup run` process killed with SIGKILL mid-copy leaves no
catalog entry; the next run completes; `prune` removes what the killed run left.

The run is a real process (`python -m standby ... backup run`) writing to moto's S3 through
a loopback proxy that delays every request, so the copy takes long enough to be caught
half-way; the test kills it once some data files have landed in the bucket.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import deltalake
import pyarrow as pa
import pytest

from standby.backup import Catalog
from standby.backup.journal import read_runs
from standby.cli import main
from tests.backup.policies import policy, write_config
from tests.fault_proxy import fault_proxy
from tests.servers import Root, S3Server
from tests.tables.reading import read, same_rows

PARTITIONS = 60


def _wide_table(path: Path) -> None:
    """One data file per partition: many files to copy."""
    n = PARTITIONS * 20
    deltalake.write_deltalake(
        str(path),
        pa.table({"part": [i % PARTITIONS for i in range(n)], "v": [f"row {i}" for i in range(n)]}),
        partition_by=["part"],
    )


def _landed(root: Root) -> list[str]:
    return [o.path for o in root.store().list("") if o.path.endswith(".parquet")]


def test_killed_run_leaves_no_entry_next_run_completes_prune_clears(
    tmp_path: Path,
    make_root: Callable[[str], Root],
    s3_server: S3Server,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "lake" / "wide"
    _wide_table(source)
    root = make_root("s3")
    cfg = str(write_config(tmp_path, root.uri, [policy("nightly", [str(source)])]))
    log = tmp_path / "killed.log"
    with fault_proxy(s3_server.server.url) as proxy, log.open("wb") as out:
        proxy.latency = 0.1  # each request: the whole copy takes seconds
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
        argv = [sys.executable, "-m", "standby", "--config", cfg, "backup", "run"]
        run = subprocess.Popen(argv, env=env, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while len(_landed(root)) < 3:
            assert run.poll() is None, f"the run ended first: {log.read_text()}"
            assert time.monotonic() < deadline, "no data file landed in a minute"
            time.sleep(0.02)
        run.send_signal(signal.SIGKILL)
        assert run.wait(10) == -signal.SIGKILL
    landed = _landed(root)
    assert 3 <= len(landed) < PARTITIONS, "killed mid-copy"

    assert Catalog(root.uri).entries() == [], "a killed run records no backup"
    (killed,) = read_runs(root.store())
    assert killed.status == "running" and killed.backups[0].outcome == "pending"
    leftover = killed.backups[0]
    assert {p.rsplit("/", 2)[0] for p in landed} == {leftover.path}

    assert main(["--json", "--config", cfg, "backup", "run"]) == 0
    (made,) = json.loads(capsys.readouterr().out)["backups"]
    (entry,) = Catalog(root.uri).entries()
    assert entry.id == made["id"] != leftover.id
    restored = tmp_path / "restored"
    assert main(["--config", cfg, "backup", "restore", entry.id, "--to", str(restored)]) == 0
    assert same_rows(read(str(restored)), read(str(source)))
    capsys.readouterr()

    assert main(["--json", "--config", cfg, "backup", "prune", "--dry-run"]) == 0
    dry = json.loads(capsys.readouterr().out)["policies"][0]
    assert [x["backup_id"] for x in dry["leftovers"]] == [leftover.id]
    assert main(["--json", "--config", cfg, "backup", "prune"]) == 0
    done = json.loads(capsys.readouterr().out)["policies"][0]
    assert done["leftovers"] == dry["leftovers"] and done["deleted"] == []
    assert not list(root.store().list(leftover.path + "/")), "the leftover files are gone"
    assert read_runs(root.store()) == []
    assert [e.id for e in Catalog(root.uri).entries()] == [entry.id]
    assert main(["--config", cfg, "backup", "verify"]) == 0
