"""`backup run`: what each kind writes, what it records, and how it fails."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import deltalake
import pytest

from standby.backup import Catalog, policy_targets, run_backups
from standby.backup.journal import RunRecord, is_live, read_runs
from standby.cli import main
from standby.delta import DeltaLog
from standby.errors import BadInput
from standby.storage import open_store
from tests.backup.policies import config_for, policy, write_config
from tests.tables.builders import batch, history_table
from tests.tables.reading import read, same_rows


def test_incremental_adds_one_version_per_run_and_records_it(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy("inc", [str(source)], kind="incremental")])
    versions = []
    for start in (500, 600, None):
        (made,) = run_backups(policy_targets(config)).backups
        versions.append(made.version)
        if start is not None:
            deltalake.write_deltalake(str(source), batch(start, 5), mode="append")
    assert versions == [0, 1, 2]
    (made,) = run_backups(policy_targets(config)).backups  # nothing changed: no new version
    assert made.version == 2 and made.copied_files == 0
    entries = Catalog(str(root)).entries()
    assert [e.version for e in entries] == [0, 1, 2, 2]
    assert [e.source_version for e in entries] == [4, 5, 6, 6]
    assert len({e.path for e in entries}) == 1
    log = DeltaLog(open_store(str(root / entries[0].path)))
    assert log.list().latest == 2
    for e in entries:
        assert same_rows(
            read(str(root / e.path), version=e.version), read(str(source), version=e.source_version)
        )


def test_entry_records_the_source_version_and_its_commit_time(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    stamps = history_table(str(source))
    root = tmp_path / "backups"
    config = config_for(tmp_path, str(root), [policy("p", [str(source)])])
    run_backups(policy_targets(config))
    (entry,) = Catalog(str(root)).entries()
    assert entry.source_version == 4 and entry.source_commit_time == stamps[4]
    assert entry.files == 1 and entry.size_bytes == entry.copied_bytes > 0
    assert entry.started <= entry.created
    raw = json.loads((root / "_standby" / "backups" / f"{entry.id}.json").read_text())
    assert raw["kind"] == "deep" and raw["path"] == entry.path


def test_a_deep_backup_outlives_its_source(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    want = read(str(source))
    cfg = str(write_config(tmp_path, str(tmp_path / "b"), [policy("p", [str(source)])]))
    assert main(["--config", cfg, "backup", "run"]) == 0
    shutil.rmtree(source)
    (entry,) = Catalog(str(tmp_path / "b")).entries()
    assert main(["--config", cfg, "backup", "verify", "--read-data"]) == 0
    assert main(["--config", cfg, "backup", "restore", entry.id, "--to", str(source)]) == 0
    assert same_rows(read(str(source)), want)


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lake" / "t"
    history_table(str(source))
    root = tmp_path / "backups"
    cfg = str(write_config(tmp_path, str(root), [policy("p", [str(source)])]))
    assert main(["--json", "--config", cfg, "backup", "run", "--dry-run"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (planned,) = doc["backups"]
    assert doc["dry_run"] and planned["version"] is None and planned["copied_files"] == 1
    assert not root.exists()


def test_names_resolve_through_the_protected_set(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        history_table(str(tmp_path / "lake" / name))
    protected = [
        {"table": f"main.sales.{n}", "location": str(tmp_path / "lake" / n), "tier": "tier3"}
        for n in ("a", "b", "c")
    ]
    config = config_for(
        tmp_path,
        str(tmp_path / "b"),
        [policy("p", ["main.sales.a", "main.sales.[bc]"])],
        protected=protected,
    )
    (targets,) = policy_targets(config)
    assert [(s.name, s.path) for s in targets.tables] == [
        ("main.sales.a", "main/sales/a"),
        ("main.sales.b", "main/sales/b"),
        ("main.sales.c", "main/sales/c"),
    ]
    (only,) = policy_targets(config, tables=["main.sales.b"])
    assert [s.name for s in only.tables] == ["main.sales.b"]
    (by_uri,) = policy_targets(config, tables=[str(tmp_path / "lake" / "c")])
    assert [s.name for s in by_uri.tables] == ["main.sales.c"]
    with pytest.raises(BadInput, match=r"main\.sales\.zz"):
        policy_targets(config, tables=["main.sales.zz"])


def test_one_failing_table_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "lake" / "good"
    history_table(str(good))
    missing = tmp_path / "lake" / "missing"
    root = tmp_path / "backups"
    cfg = str(write_config(tmp_path, str(root), [policy("p", [str(missing), str(good)])]))
    assert main(["--json", "--config", cfg, "backup", "run"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert [b["table"] for b in doc["backups"]] == [f"file://{good}"]
    assert "not a Delta table" in doc["failures"][0]["error"]
    (record,) = read_runs(open_store(str(root)))
    assert record.status == "failed"
    assert [b.outcome for b in record.backups] == ["failed", "done"]
    cfg_only_missing = str(write_config(tmp_path, str(root), [policy("p", [str(missing)])]))
    assert main(["--config", cfg_only_missing, "backup", "run"]) == 2


def test_run_liveness_follows_restic_locks() -> None:
    now = 1_800_000_000_000
    base = RunRecord(id="r", policy="p", host="here", pid=os.getpid(), started=now, updated=now)
    assert is_live(base, now_ms=now, host="here")
    assert not is_live(base, now_ms=now, host="here", alive=lambda pid: False)
    assert is_live(base, now_ms=now + 60_000, host="elsewhere", alive=lambda pid: False)
    assert not is_live(base, now_ms=now + 31 * 60_000, host="elsewhere")
    assert not is_live(base.model_copy(update={"status": "done"}), now_ms=now, host="here")
