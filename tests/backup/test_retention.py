"""Acceptance 2: retention as properties over random backup histories and policies.

The kept set equals what an independent reading of the rules gives; the newest backup of
each table not found broken is always kept; a prune's dry run names exactly what the real
run then deletes; a retention with no rule is refused.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from standby.backup import BackupEntry, Catalog, Verification, plan_retention, prune
from standby.backup.journal import PlannedBackup, RunRecord, record_path
from standby.backup.retention import NEWEST_VERIFIED
from standby.cli import main
from standby.config import BackupPolicy, Retention
from standby.errors import BadInput
from tests.backup.policies import policy, write_config

DAY = 86_400_000
START = 1_735_689_600_000  # 2025-01-01T00:00:00Z
TABLES = ("main.s.a", "main.s.b", "main.s.c")


def entry(i: int, table: str, created: int) -> BackupEntry:
    stamp = datetime.fromtimestamp(created / 1000, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return BackupEntry(
        id=f"{stamp}-{i:08x}",
        run_id=f"{stamp}-{0:08x}",
        policy="p",
        table=table,
        source=f"file:///lake/{table}",
        source_version=i,
        source_commit_time=created - 1000,
        kind="deep",
        path=f"{table.replace('.', '/')}/{stamp}-{i:08x}",
        version=0,
        files=1,
        size_bytes=10,
        copied_files=1,
        copied_bytes=10,
        started=created - 5000,
        created=created,
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[BackupEntry], set[str], int]:
    """Backups of up to three tables over ~14 months, some at the same instant; some of
    them found broken; and a `now` at or after the newest."""
    times = draw(
        st.lists(
            st.tuples(
                st.sampled_from(TABLES),
                st.integers(0, 420 * DAY) | st.sampled_from([0, DAY, DAY + 1, 7 * DAY]),
            ),
            max_size=40,
        )
    )
    entries = [entry(i, table, START + t) for i, (table, t) in enumerate(times)]
    broken = {e.id for e in entries if draw(st.booleans()) and draw(st.booleans())}
    newest = max((e.created for e in entries), default=START)
    now = newest + draw(st.integers(0, 40 * DAY))
    return entries, broken, now


retentions = (
    st.fixed_dictionaries(
        {
            "keep_last": st.none() | st.integers(1, 6),
            "keep_daily": st.none() | st.integers(1, 10),
            "keep_weekly": st.none() | st.integers(1, 6),
            "keep_monthly": st.none() | st.integers(1, 14),
            "keep_within": st.none() | st.integers(3600, 90 * 86400),
        }
    )
    .filter(lambda rules: any(rules.values()))
    .map(lambda rules: Retention(**rules))
)


def expected(entries: list[BackupEntry], r: Retention, now: int, broken: set[str]) -> set[str]:
    """The rules read literally: for keep_daily N, the N most recent days that have a
    backup, and the newest backup of each; likewise weeks and months."""

    def day(e: BackupEntry) -> Any:
        return datetime.fromtimestamp(e.created / 1000, tz=UTC).date()

    periods = {
        "keep_daily": day,
        "keep_weekly": lambda e: day(e).isocalendar()[:2],
        "keep_monthly": lambda e: (day(e).year, day(e).month),
    }
    keep: set[str] = set()
    for table in TABLES:
        group = sorted(
            (e for e in entries if e.table == table), key=lambda e: (e.created, e.id), reverse=True
        )
        keep |= {e.id for e in group[: r.keep_last or 0]}
        for rule, period in periods.items():
            recent = sorted({period(e) for e in group}, reverse=True)[: getattr(r, rule) or 0]
            keep |= {next(e.id for e in group if period(e) == p) for p in recent}
        if r.keep_within:
            keep |= {e.id for e in group if now - e.created < r.keep_within * 1000}
        good = [e.id for e in group if e.id not in broken]
        keep |= set(good[:1])
    return keep


@settings(max_examples=400, deadline=None)
@given(histories(), retentions)
def test_kept_set_is_exactly_what_the_policy_says(
    history: tuple[list[BackupEntry], set[str], int], retention: Retention
) -> None:
    entries, broken, now = history
    plan = plan_retention(entries, retention, now_ms=now, broken=broken)
    assert set(plan.keep) == expected(entries, retention, now, broken)
    assert set(plan.keep).isdisjoint(plan.delete)
    assert set(plan.keep) | set(plan.delete) == {e.id for e in entries}
    assert all(plan.keep.values()), "every kept backup says which rule keeps it"


@settings(max_examples=300, deadline=None)
@given(histories(), retentions)
def test_newest_verified_backup_of_each_table_is_always_kept(
    history: tuple[list[BackupEntry], set[str], int], retention: Retention
) -> None:
    entries, broken, now = history
    plan = plan_retention(entries, retention, now_ms=now, broken=broken)
    for table in TABLES:
        good = [e for e in entries if e.table == table and e.id not in broken]
        if good:
            newest = max(good, key=lambda e: (e.created, e.id))
            assert NEWEST_VERIFIED in plan.keep[newest.id]


def test_newest_verified_is_kept_even_when_every_rule_would_drop_it() -> None:
    old = entry(1, "main.s.a", START)
    new = entry(2, "main.s.a", START + DAY)
    plan = plan_retention(
        [old, new], Retention(keep_last=1), now_ms=START + 2 * DAY, broken={new.id}
    )
    assert plan.keep == {new.id: ["last 1"], old.id: [NEWEST_VERIFIED]}
    assert plan.delete == []


def test_an_empty_retention_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValidationError, match="empty retention"):
        Retention()
    with pytest.raises(BadInput, match="no rule"):
        plan_retention([entry(1, "main.s.a", START)], Retention.model_construct(), now_ms=START)
    root = tmp_path / "backups"
    catalog = Catalog(str(root))
    catalog.add(entry(1, "main.s.a", START))
    cfg = write_config(tmp_path, str(root), [policy("p", ["main.s.a"])])
    cfg.write_text(cfg.read_text().replace("keep_last: 3", "{}"))
    assert main(["--config", str(cfg), "backup", "prune"]) == 2
    err = capsys.readouterr().err
    assert "retention" in err and "keep_last" in err, err
    assert [e.id for e in catalog.entries()] == [entry(1, "main.s.a", START).id]


def _populate(root: Path, entries: list[BackupEntry], broken: set[str], leftover: bool) -> None:
    catalog = Catalog(str(root))
    for e in entries:
        (root / e.path / "_delta_log").mkdir(parents=True)
        (root / e.path / "part-0.parquet").write_bytes(b"x" * 10)
        catalog.add(e)
        if e.id in broken:
            catalog.record(
                Verification(id=e.id, checked=e.created, ok=False, read_data=False, files_checked=1)
            )
    if leftover:  # a run that failed after copying one file of a backup it never recorded
        (root / "main/s/a/20250101T000000Z-deadbeef").mkdir(parents=True)
        (root / "main/s/a/20250101T000000Z-deadbeef/part-9.parquet").write_bytes(b"y" * 7)
        record = RunRecord(
            id="20250101T000000Z-0000dead",
            policy="p",
            host="elsewhere",
            pid=1,
            started=START,
            updated=START,
            status="failed",
            backups=[
                PlannedBackup(
                    id="20250101T000000Z-deadbeef",
                    table="main.s.a",
                    kind="deep",
                    path="main/s/a/20250101T000000Z-deadbeef",
                )
            ],
        )
        catalog.store.put(record_path(record.id, "p"), record.model_dump_json().encode())


def _state(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), retentions, st.booleans())
def test_dry_run_names_exactly_what_the_real_run_deletes(
    history: tuple[list[BackupEntry], set[str], int], retention: Retention, leftover: bool
) -> None:
    entries, broken, now = history
    p = BackupPolicy(name="p", tables=list(TABLES), root="/unused", retention=retention)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "backups"
        root.mkdir()
        _populate(root, entries, broken, leftover)
        before = _state(root)
        dry = prune(p, str(root), dry_run=True, force=True, clock=lambda: now / 1000)
        assert _state(root) == before, "a dry run changes nothing"
        real = prune(p, str(root), force=True, clock=lambda: now / 1000)
        assert [d.id for d in dry.deleted] == [d.id for d in real.deleted]
        assert [(x.backup_id, x.files) for x in dry.leftovers] == [
            (x.backup_id, x.files) for x in real.leftovers
        ]
        assert dry.deleted_bytes == real.deleted_bytes
        kept = set(plan_retention(entries, retention, now_ms=now, broken=broken).keep)
        assert {e.id for e in Catalog(str(root)).entries()} == kept
        for e in entries:
            assert (root / e.path).exists() == (e.id in kept), e.id
        assert not (root / "main/s/a/20250101T000000Z-deadbeef").exists()
        assert not list((root / "_standby" / "operations").glob("*.json"))
