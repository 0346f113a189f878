"""The demo lakehouse: two regions on local disk with the DR guide's sample tables, each
with a real history, and the `Narrator` through which every section of the demo speaks."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import deltalake
import pyarrow as pa  # type: ignore[import-untyped]

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

    def workspace_state(self, site: str) -> Path:
        """The state file of a site's workspace sandbox (kept after the demo)."""
        return self.root / {"primary": "us-east-1", "dr": "us-west-2"}[site] / "workspace.json"

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


def transactions(start: int, n: int) -> pa.Table:
    return pa.table(
        {
            "txn_id": pa.array(range(start, start + n), pa.int64()),
            "customer_id": pa.array([i % 50 for i in range(start, start + n)], pa.int64()),
            "amount": pa.array([round(10 + (i * 7.31) % 490, 2) for i in range(start, start + n)]),
            "status": pa.array(["pending"] * n),
        }
    )


def customers(start: int, n: int) -> pa.Table:
    return pa.table(
        {
            "customer_id": pa.array(range(start, start + n), pa.int64()),
            "name": pa.array([f"Customer {i}" for i in range(start, start + n)]),
            "region": pa.array(
                [("east", "west", "north", "south")[i % 4] for i in range(start, start + n)]
            ),
        }
    )


def products(start: int, n: int, price: float) -> pa.Table:
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
    deltalake.write_deltalake(t, transactions(0, 500), partition_by=["status"])
    for start in (500, 1000, 1500):
        pause()
        deltalake.write_deltalake(t, transactions(start, 500), mode="append")
    pause()
    deltalake.DeltaTable(t).update(predicate="txn_id < 1000", updates={"status": "'settled'"})
    pause()
    deltalake.DeltaTable(t).delete("amount < 20")
    c = str(lake.table(TABLES[1]))
    deltalake.write_deltalake(c, customers(0, 50))
    pause()
    deltalake.write_deltalake(c, customers(50, 25), mode="append")
    pause()
    deltalake.DeltaTable(c).update(predicate="customer_id = 7", updates={"region": "'west'"})
    p = str(lake.table(TABLES[2]))
    deltalake.write_deltalake(p, products(0, 40, 9.99))
    pause()
    deltalake.write_deltalake(p, products(0, 45, 12.49), mode="overwrite")
    pause()
    deltalake.DeltaTable(p).delete("in_stock = 0")
