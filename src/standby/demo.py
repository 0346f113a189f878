"""The demo lakehouse: two regions on local disk with the DR guide's sample tables, and a
walk-through of what standby does with them. One place that shows the whole product.

The library narrates through a `Narrator`; the CLI decides how that looks.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import deltalake
import pyarrow as pa

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

    def table(self, name: str, *, site: str = "primary") -> Path:
        base = self.primary if site == "primary" else self.dr
        return base.joinpath(*name.split("."))


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
    """Build the demo lakehouse and walk through history, restore and clone."""
    lake = DemoLakehouse(root)
    started = time.monotonic()
    narrator.section("1. A two-region lakehouse on local disk")
    build(lake)
    narrator.note(f"primary region (us-east-1): {lake.primary}")
    narrator.note(f"DR region      (us-west-2): {lake.dr}")
    for name in TABLES:
        dt = deltalake.DeltaTable(str(lake.table(name)))
        narrator.note(f"  {name}: version {dt.version()}, {dt.to_pyarrow_table().num_rows} rows")

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
        dst = str(lake.table(name, site="dr"))
        narrator.command(f"standby table clone {lake.table(name)} {dst}")
        narrator.show(clone(str(lake.table(name)), dst), "clone")
    deltalake.write_deltalake(txn, _transactions(5000, 100), mode="append")
    dst = str(lake.table(TABLES[0], site="dr"))
    narrator.note("new rows arrive on the primary; the DR copy is refreshed incrementally:")
    narrator.command(f"standby table clone {txn} {dst} --replace")
    narrator.show(clone(txn, dst, replace=True), "clone")
    same = (
        deltalake.DeltaTable(dst).to_pyarrow_table().num_rows
        == deltalake.DeltaTable(txn).to_pyarrow_table().num_rows
    )
    narrator.note(f"DR copy reads the same rows as the primary: {same}")
    narrator.section(f"Done in {time.monotonic() - started:.1f} s. Everything is under {root}/")
