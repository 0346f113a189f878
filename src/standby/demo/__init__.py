"""The demo: a two-region lakehouse on local disk and two workspace sandboxes, and a
walk-through of what standby does with them. One place that shows the whole product.

The library narrates through a `Narrator`; the CLI decides how that looks. Each section
is a module: `tables` (history, restore, clone, replication), `backups`, `workspace`.
"""

from __future__ import annotations

import time
from pathlib import Path

import deltalake

from standby import sandbox
from standby.demo.backups import backup_section
from standby.demo.drills import drill_section
from standby.demo.failover import failover_section
from standby.demo.lakehouse import TABLES, DemoLakehouse, Narrator, build
from standby.demo.summary import DemoSummary
from standby.demo.tables import replication_section, tables_section
from standby.demo.workspace import forget_workspaces, workspace_section
from standby.sandbox import RunningSandbox

__all__ = ["DemoLakehouse", "DemoSummary", "Narrator", "build", "run", "start_workspaces"]


def run(root: Path, narrator: Narrator, *, outage: bool = False) -> DemoSummary:
    """Build the demo lakehouse and workspaces, walk through what standby does, and leave
    a standby.yml that works after the demo; return what it showed."""
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
        restored = tables_section(lake, narrator)
        replicas = replication_section(lake, narrator)
        backups = backup_section(lake, narrator)
        workspace = workspace_section(lake, primary, dr, narrator)
        moved = failover_section(lake, primary, dr, narrator, outage=outage)
        drill_section(lake, narrator)
    finally:
        primary.stop()
        dr.stop()
        config_note = forget_workspaces(lake)
    seconds = round(time.monotonic() - started, 1)
    narrator.section(f"Done in {seconds:.1f} s. Everything is under {root}/")
    narrator.note(config_note)
    return DemoSummary(
        str(root),
        str(lake.config),
        config_note,
        seconds,
        restored,
        replicas,
        backups,
        workspace,
        moved,
    )


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
        state_path=lake.workspace_state("primary"),
        step_seconds=0.1,
    )
    dr = sandbox.start(name="dr", state_path=lake.workspace_state("dr"), step_seconds=0.1)
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
