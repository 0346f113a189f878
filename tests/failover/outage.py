"""The outage story of the failback tests, in parts: the primary region goes away, a forced
failover, DR writes, the primary comes back; and the facts a failback must keep true:
every orphaned commit is in the log or aside with its manifest, the primary's log reads.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import deltalake

from standby.delta.log import LogKind, classify, commit_path
from standby.errors import ObjectNotFound
from standby.failover.rewind import MANIFEST, aside, read_manifests
from standby.failover.service import FailoverRequest, failover
from standby.operations.journal import Journal
from standby.storage import ObjectStore, open_store
from tests.failover.lakehouse import TwoRegions, replicate_all, rows


def outage(lake: TwoRegions) -> None:
    """The primary's workspace and (local) storage are gone."""
    lake.primary.go_down()
    if lake.primary_lake.kind == "local":
        shutil.move(lake.primary_lake.uri, lake.primary_lake.uri + ".gone")


def comes_back(lake: TwoRegions) -> None:
    if lake.primary_lake.kind == "local":
        shutil.move(lake.primary_lake.uri + ".gone", lake.primary_lake.uri)
    lake.primary.come_up()


def forced_failover(lake: TwoRegions) -> Journal:
    """The outage, and the forced failover to DR it calls for."""
    outage(lake)
    journal = failover(lake.config, FailoverRequest(mode="forced", primary_timeout=1.0))
    assert isinstance(journal, Journal)
    return journal


def write_in_dr(lake: TwoRegions, name: str, *, appends: int = 3) -> None:
    """Commits of the new primary: appends, a delete, an OPTIMIZE."""
    uri, options = lake.uri(name, "dr"), lake.options("dr") or None
    for i in range(appends):
        deltalake.write_deltalake(
            uri, rows(800_000 + 10 * i, 10), mode="append", storage_options=options
        )
    deltalake.DeltaTable(uri, storage_options=options).delete("id = 800000")
    deltalake.DeltaTable(uri, storage_options=options).optimize.compact()


def log_bytes(lake: TwoRegions, name: str, site: str) -> dict[str, bytes]:
    """Every file of a table's log (commits, checkpoints, `_last_checkpoint`) by path."""
    store = open_store(lake.uri(name, site), options=lake.options(site))
    return {o.path: store.get(o.path) for o in store.list("_delta_log/")}


def commits(lake: TwoRegions, name: str, site: str = "primary") -> dict[int, bytes]:
    """Every commit of a table's log, by version."""
    found = {}
    for path, raw in log_bytes(lake, name, site).items():
        f = classify(path)
        if f.kind is LogKind.COMMIT and f.version is not None:
            found[f.version] = raw
    return found


def ids(lake: TwoRegions, name: str, site: str = "primary", version: int | None = None) -> set[int]:
    options = lake.options(site) or None
    table = deltalake.DeltaTable(lake.uri(name, site), version=version, storage_options=options)
    return set(table.to_pyarrow_table(columns=["id"]).column("id").to_pylist())


def orphans_kept(lake: TwoRegions, name: str, orphaned: dict[int, bytes]) -> list[str]:
    """What breaks 'no commit is lost': an orphaned commit (by its original bytes) that is
    neither in the primary's log nor aside under a manifest that lists it."""
    store = open_store(lake.uri(name), options=lake.options())
    log = commits(lake, name)
    listed = {(m.operation_id, c.version) for m in read_manifests(store) for c in m.commits}
    aside_ids = {
        o.path.split("/")[2] for o in store.list(aside("")) if o.path.endswith("/" + MANIFEST)
    }
    problems = []
    for version, raw in sorted(orphaned.items()):
        if log.get(version) == raw:
            continue
        kept = [
            op
            for op in aside_ids
            if (op, version) in listed and _aside_raw(store, op, version) == raw
        ]
        if not kept:
            problems.append(f"{name} v{version} is neither in the log nor aside with a manifest")
    return problems


def _aside_raw(store: ObjectStore, operation_id: str, version: int) -> bytes | None:
    try:
        return store.get(aside(operation_id, commit_path(version)))
    except ObjectNotFound:
        return None


def readable(lake: TwoRegions, name: str) -> int:
    """The primary's table opens in deltalake and its latest version reads; that version."""
    table = deltalake.DeltaTable(lake.uri(name), storage_options=lake.options() or None)
    table.to_pyarrow_table()
    return int(table.version())


def replicate_again(lake: TwoRegions) -> list[tuple[int, int]]:
    """One configured replication pass (primary -> DR after a failback): per table, the
    files copied and commits published."""
    return [(r.files_copied, r.commits_published) for r in replicate_all(lake.config)]


def orphaned_dirs(lake: TwoRegions, name: str) -> list[str]:
    root = Path(lake.uri(name)) / "_standby" / "orphaned"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []
