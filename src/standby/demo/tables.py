"""The demo's table sections: history, restore by version and by timestamp, deep clones,
then replication by standby.yml, follow, status and verify."""

from __future__ import annotations

import threading
import time

import deltalake

from standby.config import load_config
from standby.demo.lakehouse import TABLES, DemoLakehouse, Narrator, transactions
from standby.demo.summary import ReplicaStory, RestoreStory
from standby.integrity import verify
from standby.replication import TableReplication, replicate_table
from standby.replication.follow import follow
from standby.replication.pair import Pair
from standby.replication.plan import configured_pairs
from standby.replication.status import table_status
from standby.tables import clone, history, restore


def tables_section(lake: DemoLakehouse, narrator: Narrator) -> RestoreStory:
    """A bad DELETE, the history that shows which version to go back to, RESTORE by
    version and by timestamp, and deep clones to the DR region."""
    txn = str(lake.table(TABLES[0]))
    story = _bad_delete_and_restore(txn, narrator)

    narrator.section("4. RESTORE ... TO TIMESTAMP AS OF, resolved from the log's own clock")
    entries = history(txn)
    at = next(e.timestamp for e in entries if e.version == 2)  # when version 2 was committed
    assert at is not None
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at / 1000)) + f".{at % 1000:03d}"
    narrator.command(f"standby table restore {txn} --timestamp '{stamp}' --dry-run")
    narrator.show(restore(txn, timestamp=stamp, dry_run=True), "restore")

    narrator.section("5. DEEP CLONE every table to the DR region")
    for name in TABLES:
        dst = str(lake.table(name, site="clones"))
        narrator.command(f"standby table clone {lake.table(name)} {dst}")
        narrator.show(clone(str(lake.table(name)), dst), "clone")
    deltalake.write_deltalake(txn, transactions(5000, 100), mode="append")
    dst = str(lake.table(TABLES[0], site="clones"))
    narrator.note("new rows arrive on the primary; the DR copy is refreshed incrementally:")
    narrator.command(f"standby table clone {txn} {dst} --replace")
    narrator.show(clone(txn, dst, replace=True), "clone")
    narrator.note(f"DR copy reads the same rows as the primary: {_rows(dst) == _rows(txn)}")
    return story


def _bad_delete_and_restore(txn: str, narrator: Narrator) -> RestoreStory:
    """In the order an engineer lives it: the delete, the history that shows it, the
    restore to the version just before it."""
    narrator.section("2. Someone ran a bad DELETE: DESCRIBE HISTORY shows which version to restore")
    before = _rows(txn)
    deltalake.DeltaTable(txn).delete("customer_id < 40")
    after = _rows(txn)
    narrator.note(f"the accidental delete left {after} of {before} rows of {TABLES[0]}")
    narrator.command(f"standby table history {txn}")
    entries = history(txn)
    narrator.show(entries, "history")
    bad, good = entries[0], entries[1].version
    narrator.note(
        f"version {bad.version} is the {bad.operation}; version {good} is the table just "
        "before it: restore to that one"
    )

    narrator.section("3. RESTORE TABLE ... TO VERSION AS OF the version before the DELETE")
    narrator.command(f"standby table restore {txn} --version {good}")
    result = restore(txn, version=good)
    narrator.show(result, "restore")
    rows = _rows(txn)
    narrator.note(f"rows now: {rows} (as at version {good}, before the delete: {before})")
    return RestoreStory(TABLES[0], bad.version, good, result.new_version, before, after, rows)


def _rows(uri: str) -> int:
    return int(deltalake.DeltaTable(uri).to_pyarrow_table().num_rows)


def replication_section(lake: DemoLakehouse, narrator: Narrator) -> list[ReplicaStory]:
    """Replicate the protected tables by standby.yml, follow while the primary writes,
    then status against each tier's RPO and verify against the primary."""
    config_path = lake.write_config()
    config = load_config(config_path)
    narrator.section("6. Replicate every protected table to the DR region, in log order")
    narrator.note(f"standby.yml: {config_path}")
    narrator.command(f"standby --config {config_path} replicate")
    planned = configured_pairs(config)
    results = [replicate_table(p.source, p.target, epoch=planned.epoch) for p in planned.pairs]
    narrator.show(results, "replicate")

    narrator.section("7. Follow: the primary keeps writing, the replica keeps up")
    narrator.command(f"standby --config {config_path} replicate --follow --interval 0.2")
    stop = threading.Event()
    passes: list[TableReplication] = []
    follower = threading.Thread(
        target=follow,
        kwargs={
            "pairs": planned.pairs,
            "interval": 0.2,
            "stop": stop,
            "on_pass": lambda _p, r: passes.append(r) if r.commits_published else None,
        },
    )
    follower.start()
    txn = str(lake.table(TABLES[0]))
    for i in range(5):
        deltalake.write_deltalake(txn, transactions(10_000 + 100 * i, 100), mode="append")
        time.sleep(0.3)
    _until_caught_up(planned.pairs)
    stop.set()
    follower.join()
    narrator.note(
        f"5 new commits on the primary; the follower published "
        f"{sum(r.commits_published for r in passes)} commit(s) in {len(passes)} pass(es)"
    )
    narrator.command(f"standby --config {config_path} status")
    rows = [table_status(p.source, p.target, rpo_seconds=p.rpo_seconds) for p in planned.pairs]
    narrator.show(rows, "status")
    narrator.section("8. Verify the replica against the primary, file contents included")
    dst = config.map_location(txn, config.primary, config.dr)
    narrator.command(f"standby verify {dst} --against {txn} --read-data")
    narrator.show(verify(dst, against=txn, read_data=True), "verify")
    names = {str(e.location): str(e.table) for e in config.protected.tables}
    return [
        ReplicaStory(
            names.get(r.source, r.source), r.source, r.target, r.source_version,
            r.replica_version, r.ok,
        )
        for r in rows
    ]  # fmt: skip


def _until_caught_up(pairs: list[Pair], *, timeout: float = 10.0) -> None:
    """Wait (a while at most) for the follower to publish the primary's last commit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [table_status(p.source, p.target) for p in pairs]
        if all(s.replica_version == s.source_version for s in states):
            return
        time.sleep(0.1)
