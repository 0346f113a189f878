"""The drill's backup checks. Basic: each policy's newest backup of each table is as recent
as the policy's schedule promises, and it reads back (every file present and decoding,
as `backup verify --read-data`, without recording anything). Intermediate: the newest
backup of each table restored to a scratch place on DR storage and compared with the
table it came from at the backed-up version (rows and a content hash), then removed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import deltalake

from standby.backup import Catalog, policy_targets, restore_backup
from standby.backup.catalog import BackupEntry
from standby.backup.verify import check_backup
from standby.config import BackupPolicy
from standby.drill.context import DrillContext
from standby.drill.verdict import CheckStep, Verdict, standby_command
from standby.scheduling import last_firings
from standby.storage import join, normalize

MAX_GRACE = timedelta(hours=6)  # a run fired this long ago must have made its backup


def newest_backups(ctx: DrillContext) -> list[tuple[BackupPolicy, str, BackupEntry | None, str]]:
    """(policy, table, its newest backup or None, catalog root) for every policy's table."""
    if not ctx.config.backups.policies:
        return []
    out = []
    for target in policy_targets(ctx.config):
        entries = [e for e in Catalog(target.root).entries() if e.policy == target.policy.name]
        for source in target.tables:
            mine = [e for e in entries if e.table == source.name]
            out.append((target.policy, source.name, mine[-1] if mine else None, target.root))
    return out


def expected_since(schedule: str, now: datetime) -> datetime | None:
    """Since when a policy's newest backup must exist: its schedule's last firing once that
    has had its grace (a quarter of a period, at most six hours) to finish, else the one
    before."""
    fired = last_firings(schedule, before=now, count=2)
    if len(fired) < 2:
        return None
    grace = min((fired[0] - fired[1]) / 4, MAX_GRACE)
    return fired[0] if now - fired[0] >= grace else fired[1]


def _one(
    ctx: DrillContext, policy: BackupPolicy, table: str, entry: BackupEntry | None, root: str
) -> dict[str, Any]:
    now = datetime.fromtimestamp(ctx.clock.now_ms() / 1000, tz=UTC)
    found: dict[str, Any] = {"policy": policy.name, "table": table, "schedule": policy.schedule}
    if entry is None:
        return found | {"ok": False, "problem": "no backup at all"}
    since = expected_since(policy.schedule, now)
    age = (now - datetime.fromtimestamp(entry.created / 1000, tz=UTC)).total_seconds()
    found |= {"backup_id": entry.id, "age_seconds": round(age, 1)}
    problems = []
    if since is not None and entry.created < since.timestamp() * 1000:
        problems.append(
            f"newest backup {entry.id} is {age / 3600:.1f} h old; the schedule "
            f"'{policy.schedule}' (UTC) ran at {since:%Y-%m-%d %H:%M}Z"
        )
    check = check_backup(entry, Catalog(root).location(entry), read_data=True)
    found["files_checked"] = check.files_checked
    if not check.ok:
        first = check.problems[0]
        problems.append(
            f"backup {entry.id} does not read back: {len(check.problems)} problem(s), "
            f"e.g. {first.path}: {first.kind} ({first.detail})"
        )
    return found | {"ok": not problems, "problem": "; ".join(problems)}


class BackupsFresh(CheckStep):
    name = "backups"
    title = "Backups on schedule and readable"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [
            f"policy {p.name}: the newest backup of each of {len(p.tables)} table ref(s) is "
            f"within '{p.schedule}' and reads back (data read)"
            for p in ctx.config.backups.policies
        ] or ["no backup policy in standby.yml: nothing to check"]

    def command(self, ctx: DrillContext) -> str:
        return standby_command(ctx.config, "backup", "list")

    def measure(self, ctx: DrillContext) -> Verdict:
        found = [_one(ctx, *item) for item in newest_backups(ctx)]
        if not found:
            return Verdict(
                True, "no backup policy in standby.yml", self.command(ctx), {}, skipped=True
            )
        bad = [f for f in found if not f["ok"]]
        measured = {"backups": found}
        if bad:
            detail = "; ".join(f"{b['policy']}/{b['table']}: {b['problem']}" for b in bad)
            args = ["backup", "verify", "--policy", bad[0]["policy"], "--read-data"]
            return Verdict(False, detail, standby_command(ctx.config, *args), measured)
        oldest = max(f["age_seconds"] for f in found)
        detail = (
            f"{len(found)} newest backup(s) on schedule (oldest {oldest / 3600:.1f} h) "
            f"and every file reads back"
        )
        return Verdict(True, detail, self.command(ctx), measured)


def table_digest(uri: str, version: int, options: dict[str, str] | None) -> tuple[int, str]:
    """Rows of a table at a version and a hash of its content that ignores row order."""
    table = deltalake.DeltaTable(uri, version=version, storage_options=options or None)
    rows = table.to_pyarrow_table().to_pylist()
    digests = sorted(
        hashlib.sha256(json.dumps(r, sort_keys=True, default=str).encode()).digest() for r in rows
    )
    return len(rows), hashlib.sha256(b"".join(digests)).hexdigest()


class RestoreTest(CheckStep):
    name = "restore-test"
    title = "Restore test from backups"

    def plan(self, ctx: DrillContext) -> list[str]:
        return [
            f"restore the newest backup of {t} to {ctx.area_uri('restore')}/..., compare rows "
            "and content hash with the backed-up version, remove it"
            for t in sorted({table for _, table, _, _ in newest_backups(ctx)})
        ] or ["no backup policy in standby.yml: nothing to restore"]

    def command(self, ctx: DrillContext) -> str:
        return standby_command(ctx.config, "backup", "list")

    def measure(self, ctx: DrillContext) -> Verdict:
        newest: dict[str, tuple[BackupEntry, str]] = {}
        for _, table, entry, root in newest_backups(ctx):
            if entry is not None and (
                table not in newest or entry.created > newest[table][0].created
            ):
                newest[table] = (entry, root)
        if not newest:
            return Verdict(True, "no backups to restore", self.command(ctx), {}, skipped=True)
        found = [self._restore(ctx, n, e, r) for n, (e, r) in sorted(newest.items())]
        bad = [f for f in found if not f["ok"]]
        measured = {"tables": found}
        if bad:
            detail = "; ".join(f"{b['table']}: {b['problem']}" for b in bad)
            args = [
                "backup",
                "restore",
                bad[0]["backup_id"],
                "--to",
                bad[0]["scratch"],
                "--dry-run",
            ]
            return Verdict(False, detail, standby_command(ctx.config, *args), measured)
        slowest = max(f["seconds"] for f in found)
        detail = (
            f"{len(found)} table(s) restored and equal to their backed-up version "
            f"(slowest {slowest} s)"
        )
        return Verdict(True, detail, self.command(ctx), measured)

    def _restore(
        self, ctx: DrillContext, table: str, entry: BackupEntry, root: str
    ) -> dict[str, Any]:
        scratch = ctx.area_uri("restore", *entry.path.split("/"))
        ctx.target.home.delete_prefix(ctx.area + "restore/" + entry.path + "/")  # a rerun's
        started = ctx.clock.monotonic()
        restore_backup([Catalog(root)], entry.id, scratch)
        seconds = round(ctx.clock.monotonic() - started, 3)
        found: dict[str, Any] = {
            "table": table,
            "backup_id": entry.id,
            "scratch": scratch,
            "source_version": entry.source_version,
            "seconds": seconds,
        }
        rows, digest = table_digest(scratch, 0, ctx.config.storage_options_for(scratch))
        try:
            options = ctx.config.storage_options_for(entry.source)
            expected = table_digest(entry.source, entry.source_version, options)
            found["compared_with"] = f"source v{entry.source_version}"
        except Exception:  # the source no longer reads at that version: the backup itself
            location = join(normalize(root), entry.path)
            expected = table_digest(
                location, entry.version, ctx.config.storage_options_for(location)
            )
            found["compared_with"] = f"backup table v{entry.version}"
        ctx.target.home.delete_prefix(ctx.area + "restore/" + entry.path + "/")
        found |= {"rows": rows, "expected_rows": expected[0], "hash_equal": digest == expected[1]}
        if rows != expected[0] or digest != expected[1]:
            found["problem"] = (
                f"restored {rows} rows (hash {digest[:12]}), the {found['compared_with']} has "
                f"{expected[0]} rows (hash {expected[1][:12]})"
            )
        found["ok"] = "problem" not in found
        return found
