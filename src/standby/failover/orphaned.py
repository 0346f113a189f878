"""Orphaned writes: what a reprotect moved aside, shown and turned back into a table.

`standby orphaned show TABLE` lists them from their manifests; `standby orphaned export
TABLE --to URI` deep-clones the old primary as it stood at its orphaned head, read through
`OrphanedView`: the table's own log up to the fork plus the commits moved aside (the data
files never moved), so a person can reconcile them. Nothing is merged by standby.
"""

from __future__ import annotations

from collections.abc import Iterator

from standby.config import Config
from standby.delta.log import LAST_CHECKPOINT, LOG_DIR, classify
from standby.errors import BadInput, ObjectNotFound, Refused
from standby.failover.rewind import Manifest, aside, read_manifests
from standby.failover.sites import SiteHandle, protected_tables
from standby.storage.base import ObjectInfo, ObjectStore, Payload, PutMode, TreeSize, Versioned
from standby.storage.wrappers import StoreWrapper
from standby.tables import CloneResult, clone


class OrphanedView(StoreWrapper):
    """A read-only store showing a table as it was at its orphaned head."""

    def __init__(self, inner: ObjectStore, manifest: Manifest):
        super().__init__(inner)
        self.manifest = manifest
        self.moved = set(manifest.moved)

    def _log_version(self, path: str) -> int | None:
        return classify(path).version if path.startswith(LOG_DIR + "/") else None

    def _route(self, path: str) -> tuple[ObjectStore, str]:
        """Where a path of the view lives: moved log files aside, the rest in place."""
        if path in self.moved:
            return self.inner, aside(self.manifest.operation_id, path)
        version = self._log_version(path)
        if path == LAST_CHECKPOINT or (version is not None and version > self.manifest.fork):
            raise ObjectNotFound(f"{path} is not part of the orphaned view.", path=path)
        return self.inner, path

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        own = [
            o
            for o in self.inner.list(prefix, offset=offset)
            if not o.path.startswith("_standby/")
            and o.path != LAST_CHECKPOINT
            and _at_or_before(self._log_version(o.path), self.manifest.fork)
        ]
        moved = [
            ObjectInfo(p, self.inner.head(aside(self.manifest.operation_id, p)).size)
            for p in sorted(self.moved)
            if p.startswith(prefix) and (offset is None or p > offset) and p != LAST_CHECKPOINT
        ]
        return iter(sorted(own + moved, key=lambda o: o.path))

    def head(self, path: str) -> ObjectInfo:
        store, real = self._route(path)
        return ObjectInfo(path, store.head(real).size)

    def get(self, path: str) -> bytes:
        store, real = self._route(path)
        return store.get(real)

    def get_versioned(self, path: str) -> Versioned:
        store, real = self._route(path)
        return store.get_versioned(real)

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        store, real = self._route(path)
        return store.stream(real, chunk_size=chunk_size)

    def put(
        self, path: str, data: Payload, *, mode: PutMode = "overwrite", if_match: str | None = None
    ) -> None:
        raise Refused("The orphaned view is read-only.")

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        raise Refused("The orphaned view is read-only.")

    def delete(self, path: str) -> None:
        raise Refused("The orphaned view is read-only.")

    def delete_prefix(self, prefix: str) -> TreeSize:
        raise Refused("The orphaned view is read-only.")


def _at_or_before(version: int | None, fork: int) -> bool:
    return version is None or version <= fork


def table_store(config: Config, table: str, *, site: str | None = None) -> ObjectStore:
    """The store of a protected table (by Unity Catalog name or location) on a site (the
    config's primary site by default: where orphaned writes are kept)."""
    tables, _ = protected_tables(config)
    found = next((t for t in tables if table in (t.name, *t.locations.values())), None)
    if found is None:
        names = ", ".join(t.label for t in tables)
        raise BadInput(f"{table!r} is not a protected table.", hint=f"Protected: {names}.")
    site = site or config.primary
    return SiteHandle(config, site).store(found.locations[site])


def manifests(config: Config, table: str, *, site: str | None = None) -> list[Manifest]:
    return read_manifests(table_store(config, table, site=site))


def export(
    config: Config,
    table: str,
    target: str,
    *,
    operation_id: str | None = None,
    site: str | None = None,
    dry_run: bool = False,
) -> CloneResult:
    """Deep-clone the table at its orphaned head (of `operation_id`, else the newest
    reprotect that orphaned anything) into `target`, a new, readable Delta table."""
    store = table_store(config, table, site=site)
    found = [m for m in read_manifests(store) if m.commits]
    if operation_id is not None:
        found = [m for m in found if m.operation_id == operation_id]
    if not found:
        raise BadInput(
            f"{table} has no orphaned writes" + (f" from {operation_id}." if operation_id else ".")
        )
    return clone(OrphanedView(store, found[-1]), target, dry_run=dry_run)
