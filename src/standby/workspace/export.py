"""Export: read a workspace's objects of the chosen kinds into a Snapshot, with references
rewritten from ids to names. Listing is sequential per kind; reading whole objects (ACLs,
notebook sources, secret scope keys) runs in parallel, at most `workers` at a time.

The same inventory serves `sync`, which also needs each object's id on the target.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from standby.errors import ObjectNotFound, StandbyError
from standby.workspace.client import Workspace, parallel, stops_the_run
from standby.workspace.kinds import Doc, Remote, kind, needed, select
from standby.workspace.normalize import canonical, rewrite_refs
from standby.workspace.snapshot import Snapshot, now

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (what, done, total)
WORKERS = 8


def no_progress(what: str, done: int, total: int) -> None:
    return None


@dataclass
class Inventory:
    """What a workspace holds: its objects by kind and name, the documents of the kinds
    read in full, and ids resolved both ways."""

    label: str
    remotes: dict[str, dict[str, Remote]] = field(default_factory=dict)
    duplicates: set[tuple[str, str]] = field(default_factory=set)
    snapshot: Snapshot = field(default_factory=lambda: Snapshot(site=None, objects={}))
    _ids: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def id_of(self, kind_name: str, name: str) -> str | None:
        """The id of the object `name`, or None; for kinds named by path or full name, the
        name itself when the object exists."""
        found = self.remotes.get(kind_name, {}).get(_plain(kind_name, name))
        if found is None:
            return None
        return name if kind(kind_name).names_are_ids else found.id

    def name_of(self, kind_name: str, object_id: str) -> str | None:
        """The name of the object with id `object_id`, or None when there is none."""
        if kind(kind_name).names_are_ids:
            known = _plain(kind_name, object_id) in self.remotes.get(kind_name, {})
            return object_id if known else None
        by_id = self._ids.setdefault(
            kind_name, {r.id: r.name for r in self.remotes.get(kind_name, {}).values()}
        )
        return by_id.get(object_id)

    def add(self, kind_name: str, item: Remote) -> None:
        """Record an object created by sync, so later references resolve to it."""
        self.remotes.setdefault(kind_name, {})[item.name] = item
        self._ids.pop(kind_name, None)


def _plain(kind_name: str, name: str) -> str:
    # `/Workspace/Shared/x` and `/Shared/x` are the same notebook.
    if kind_name == "notebooks" and name.startswith("/Workspace/"):
        return name[len("/Workspace") :]
    return name


def take_inventory(
    ws: Workspace,
    kinds: Iterable[str] | None = None,
    *,
    site: str | None = None,
    workers: int = WORKERS,
    progress: Progress = no_progress,
) -> Inventory:
    """List the chosen kinds (and those they reference), read the chosen ones in full,
    and make their documents. Raises Unreachable if the workspace cannot be reached; an
    object that cannot be read is named in `snapshot.missing`."""
    chosen = select(kinds)
    snapshot = Snapshot(site=site, objects={}, workspace=ws.label, exported_at=now())
    inv = Inventory(label=ws.label, snapshot=snapshot)
    for kind_name in needed(chosen):
        progress(f"listing {kind_name}", 0, 0)
        inv.remotes[kind_name] = _by_name(kind_name, ws.list(kind_name), inv)
    for kind_name in chosen:
        inv.remotes[kind_name] = _read_all(ws, kind_name, inv, workers=workers, progress=progress)
        inv.snapshot.objects[kind_name] = _documents(kind_name, inv)
    return inv


def _by_name(kind_name: str, items: list[Remote], inv: Inventory) -> dict[str, Remote]:
    out: dict[str, Remote] = {}
    for item in sorted(items, key=lambda r: r.id):
        if item.name in out:
            inv.duplicates.add((kind_name, item.name))
            continue
        out[item.name] = item
    for k, name in sorted(d for d in inv.duplicates if d[0] == kind_name):
        inv.snapshot.problems.append(
            f"{k}/{name}: more than one object has this name; only the first (by id) is "
            "exported, and sync leaves the name alone until the others are renamed"
        )
    return out


def _read_all(
    ws: Workspace, kind_name: str, inv: Inventory, *, workers: int, progress: Progress
) -> dict[str, Remote]:
    items = list(inv.remotes[kind_name].values())
    pending = [i for i in items if not i.complete]
    counter = itertools.count(1)

    def read(item: Remote) -> Remote | None:
        try:
            return ws.read(kind_name, item)
        except ObjectNotFound:
            log.debug("%s %s went away while exporting", kind_name, item.name)
            return None
        except StandbyError as e:
            if stops_the_run(e):
                raise
            inv.snapshot.missing.append(f"{kind_name}/{item.name}: {e.message}")
            return None
        finally:
            progress(f"reading {kind_name}", next(counter), len(pending))

    fresh = {r.name: r for r in parallel(read, pending, workers=workers) if r is not None}
    return {i.name: fresh.get(i.name, i) for i in items if i.complete or i.name in fresh}


def _documents(kind_name: str, inv: Inventory) -> dict[str, Doc]:
    spec = kind(kind_name)
    docs = {}
    for name in sorted(inv.remotes[kind_name]):
        doc = canonical(spec, inv.remotes[kind_name][name].body)
        if not spec.exists(doc):
            continue
        doc, unresolved = rewrite_refs(spec, doc, inv.name_of, to_ids=False)
        for u in unresolved:
            inv.snapshot.problems.append(f"{kind_name}/{name}: {u.describe('this workspace')}")
        docs[name] = doc
    return docs


def export_workspace(
    ws: Workspace,
    kinds: Iterable[str] | None = None,
    *,
    site: str | None = None,
    workers: int = WORKERS,
    progress: Progress = no_progress,
) -> Snapshot:
    """A snapshot of the workspace's configuration (the chosen kinds, all by default)."""
    return take_inventory(ws, kinds, site=site, workers=workers, progress=progress).snapshot
