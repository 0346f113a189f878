"""The demo lakehouse: two regions on local disk with the DR guide's sample tables, and a
walk-through of what standby does with them. One place that shows the whole product.

The library narrates through a `Narrator`; the CLI decides how that looks.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import deltalake
import pyarrow as pa

from standby import sandbox
from standby.config import load_config
from standby.demo_backups import backup_section
from standby.demo_workspace import workspace_section
from standby.integrity import verify
from standby.replication import TableReplication, replicate_table
from standby.replication.follow import follow
from standby.replication.plan import configured_pairs
from standby.replication.status import table_status
from standby.sandbox import RunningSandbox
from standby.tables import clone, history, restore

TABLES = (
    "production.sales.transactions",
    "production.sales.customers",
    "production.inventory.products",
)


class Narrator(Protocol):
    def section(self, title: str) -> None: ...
    def command(self, line: str) -> None: ...
    def show(self, result: Any, kind: str) -> None: ...
    def note(self, text: str) -> None: ...


@dataclass
class DemoLakehouse:
    root: Path

    @property
    def primary(self) -> Path:
        return self.root / "us-east-1" / "lake"

    @property
    def dr(self) -> Path:
        return self.root / "us-west-2" / "lake"

    @property
    def clones(self) -> Path:
        return self.root / "us-west-2" / "clones"

    def table(self, name: str, *, site: str = "primary") -> Path:
        base = {"primary": self.primary, "dr": self.dr, "clones": self.clones}[site]
        return base.joinpath(*name.split("."))

    @property
    def config(self) -> Path:
        return self.root / "standby.yml"

    def write_config(self) -> Path:
        """A standby.yml for the demo: two sites, the guide's tables with their tiers."""
        tiers = {TABLES[0]: "tier1", TABLES[1]: "tier1", TABLES[2]: "tier2"}
        tables = "".join(
            f"    - {{table: {n}, location: '{self.table(n)}', tier: {t}}}\n"
            for n, t in tiers.items()
        )
        self.config.write_text(
            "version: 1\nsites:\n"
            f"  primary: {{role: primary, region: us-east-1, "
            f"storage: {{lake: '{self.primary}'}}}}\n"
            f"  dr: {{role: dr, region: us-west-2, storage: {{lake: '{self.dr}'}}}}\n"
            f"protected:\n  tables:\n{tables}"
        )
        return self.config


def _transactions(start: int, n: int) -> pa.Table:
    return pa.table(
        {
            "txn_id": pa.array(range(start, start + n), pa.int64()),
            "customer_id": pa.array([i % 50 for i in range(start, start + n)], pa.int64()),
            "amount": pa.array([round(10 + (i * 7.31) % 490, 2) for i in range(start, start + n)]),
            "status": pa.array(["pending"] * n),
        }
    )


def _customers(start: int, n: int) -> pa.Table:
    return pa.table(
        {
            "customer_id": pa.array(range(start, start + n), pa.int64()),
            "name": pa.array([f"Customer {i}" for i in range(start, start + n)]),
            "region": pa.array(
                [("east", "west", "north", "south")[i % 4] for i in range(start, start + n)]
            ),
        }
    )


def _products(start: int, n: int, price: float) -> pa.Table:
    return pa.table(
        {
            "sku": pa.array([f"SKU-{i:05d}" for i in range(start, start + n)]),
            "category": pa.array(
                [("tools", "garden", "kitchen")[i % 3] for i in range(start, start + n)]
            ),
            "price": pa.array([price + i for i in range(n)]),
            "in_stock": pa.array([i % 5 for i in range(n)], pa.int64()),
        }
    )


def build(lake: DemoLakehouse, *, pause: Callable[[], None] = lambda: time.sleep(0.02)) -> None:
    """Write the sample tables with a real history: appends, updates, deletes, an overwrite."""
    if lake.root.exists():
        shutil.rmtree(lake.root)
    lake.dr.mkdir(parents=True)
    lake.clones.mkdir(parents=True)
    t = str(lake.table(TABLES[0]))
    deltalake.write_deltalake(t, _transactions(0, 500), partition_by=["status"])
    for start in (500, 1000, 1500):
        pause()
        deltalake.write_deltalake(t, _transactions(start, 500), mode="append")
    pause()
    deltalake.DeltaTable(t).update(predicate="txn_id < 1000", updates={"status": "'settled'"})
    pause()
    deltalake.DeltaTable(t).delete("amount < 20")
    c = str(lake.table(TABLES[1]))
    deltalake.write_deltalake(c, _customers(0, 50))
    pause()
    deltalake.write_deltalake(c, _customers(50, 25), mode="append")
    pause()
    deltalake.DeltaTable(c).update(predicate="customer_id = 7", updates={"region": "'west'"})
    p = str(lake.table(TABLES[2]))
    deltalake.write_deltalake(p, _products(0, 40, 9.99))
    pause()
    deltalake.write_deltalake(p, _products(0, 45, 12.49), mode="overwrite")
    pause()
    deltalake.DeltaTable(p).delete("in_stock = 0")


def run(root: Path, narrator: Narrator) -> None:
    """Build the demo lakehouse and workspaces, and walk through what standby does."""
    lake = DemoLakehouse(root)
    started = time.monotonic()
    narrator.section("1. A two-region lakehouse on local disk")
    build(lake)
    narrator.note(f"primary region (us-east-1): {lake.primary}")
    narrator.note(f"DR region      (us-west-2): {lake.dr}")
    for name in TABLES:
        dt = deltalake.DeltaTable(str(lake.table(name)))
        narrator.note(f"  {name}: version {dt.version()}, {dt.to_pyarrow_table().num_rows} rows")
    primary, dr = start_workspaces(lake, narrator)
    try:
        _walk_through(lake, narrator)
        backup_section(lake, narrator)
        workspace_section(lake, primary, dr, narrator)
    finally:
        primary.stop()
        dr.stop()
    narrator.section(f"Done in {time.monotonic() - started:.1f} s. Everything is under {root}/")


def start_workspaces(
    lake: DemoLakehouse, narrator: Narrator
) -> tuple[RunningSandbox, RunningSandbox]:
    """A primary and a DR workspace sandbox; the primary holds the guide's objects, with
    the sample tables registered in Unity Catalog at their storage locations."""
    locations = {name: str(lake.table(name)) for name in TABLES}
    primary = sandbox.start(
        name="primary",
        seed="demo",
        table_locations=locations,
        state_path=lake.root / "us-east-1" / "workspace.json",
        step_seconds=0.1,
    )
    dr = sandbox.start(
        name="dr", state_path=lake.root / "us-west-2" / "workspace.json", step_seconds=0.1
    )
    w = primary.client()
    counts = {
        "jobs": len(list(w.jobs.list())),
        "clusters": len(list(w.clusters.list())),
        "cluster policies": len(list(w.cluster_policies.list())),
        "SQL warehouses": len(list(w.warehouses.list())),
        "secret scopes": len(list(w.secrets.list_scopes())),
        "catalogs": len([c for c in w.catalogs.list() if c.name != "system"]),
    }
    narrator.note(
        f"primary workspace (sandbox): {primary.url}  "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
    )
    narrator.note(f"DR workspace (sandbox):      {dr.url}  empty")
    return primary, dr


def _walk_through(lake: DemoLakehouse, narrator: Narrator) -> None:
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
    deltalake.write_deltalake(txn, _transactions(5000, 100), mode="append")
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
        deltalake.write_deltalake(txn, _transactions(10_000 + 100 * i, 100), mode="append")
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
