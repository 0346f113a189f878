"""The demo's table sections: history, restore by version and by timestamp, deep clones,
then replication by standby.yml, follow, status and verify."""

from __future__ import annotations

import threading
import time

import deltalake

from standby.config import load_config
from standby.demo.lakehouse import TABLES, DemoLakehouse, Narrator, transactions
from standby.integrity import verify
from standby.replication import TableReplication, replicate_table
from standby.replication.follow import follow
from standby.replication.plan import configured_pairs
from standby.replication.status import table_status
from standby.tables import clone, history, restore


def tables_section(lake: DemoLakehouse, narrator: Narrator) -> None:
    txn = str(lake.table(TABLES[0]))
    narrator.section("2. DESCRIBE HISTORY production.sales.transactions")
    narrator.command(f"standby table history {txn}")
    entries = history(txn)
    narrator.show(entries, "history")

    narrator.section("3. Someone ran a bad DELETE: RESTORE ... TO VERSION AS OF")
    before = deltalake.DeltaTable(txn).to_pyarrow_table().num_rows
    deltalake.DeltaTable(txn).delete("customer_id < 40")
    after = deltalake.DeltaTable(txn).to_pyarrow_table().num_rows
    narrator.note(f"the accidental delete left {after} of {before} rows")
    good = entries[0].version
    narrator.command(f"standby table restore {txn} --version {good}")
    result = restore(txn, version=good)
    narrator.show(result, "restore")
    rows = deltalake.DeltaTable(txn).to_pyarrow_table().num_rows
    narrator.note(f"rows now: {rows} (as at version {good})")

    narrator.section("4. RESTORE ... TO TIMESTAMP AS OF, resolved from the log's own clock")
    at = entries[-3].timestamp  # the moment version 2 was committed
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
    same = (
        deltalake.DeltaTable(dst).to_pyarrow_table().num_rows
        == deltalake.DeltaTable(txn).to_pyarrow_table().num_rows
    )
    narrator.note(f"DR copy reads the same rows as the primary: {same}")
    replication_section(lake, narrator)


def replication_section(lake: DemoLakehouse, narrator: Narrator) -> None:
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
    time.sleep(0.5)
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
