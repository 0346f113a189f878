"""Acceptance 6 of the failover issue: a canary secret value, in the sandbox's secrets and
in the storage options, appears in none of the journal, the report, the logs or --json."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from standby.cli import main
from standby.operations.journal import OPERATIONS_DIR
from standby.storage import open_store
from tests.failover.lakehouse import TwoRegions

CANARY = "canary-4f1d9a-never-print-me"


def test_no_secret_reaches_journal_report_logs_or_json(
    lakehouse_on: Callable[..., TwoRegions],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lake = lakehouse_on("s3", canary=CANARY)  # the S3 secret key of both sites is the canary
    lake.primary.client().secrets.put_secret("etl", "canary", string_value=CANARY)
    monkeypatch.setenv("STANDBY_SECRET_ETL__CANARY", CANARY)  # the vault --sync-config reads
    caplog.set_level("DEBUG")
    code = main(
        [
            "--config",
            str(lake.config_path),
            "--json",
            "-v",
            "failover",
            "--planned",
            "--yes",
            "--sync-config",
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert '"rto_seconds"' in out.out
    journals = [
        store.get(o.path).decode()
        for store in (
            open_store(lake.dr_lake.uri, options=lake.options("dr")),
            open_store(lake.primary_lake.uri, options=lake.options()),
        )
        for o in store.list(OPERATIONS_DIR)
    ]
    assert len(journals) == 2  # the journal and its mirror on the primary
    for where, text in {
        "stdout": out.out,
        "stderr": out.err,
        "logs": caplog.text,
        **{f"journal {i}": j for i, j in enumerate(journals)},
    }.items():
        assert CANARY not in text, f"the canary secret leaked into {where}"
