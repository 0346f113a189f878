"""Where the protected tables live: a `location` in standby.yml, else the table's Unity
Catalog registration, looked up when replication (or an operation) runs: a name, or a glob
that expands to every table it matches. The primary's catalog is asked; when it cannot be
reached, the DR site's (its registrations, synced by `config sync`, mapped back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from standby.config import Config, ProtectedTable
from standby.errors import StandbyError
from standby.storage import normalize

if TYPE_CHECKING:
    from standby.workspace.operations import SiteWorkspace

Catalog = Callable[[str], dict[str, str]]  # pattern -> {full name: location on the primary}
Workspaces = Callable[[Config, str], "SiteWorkspace"]


@dataclass(frozen=True)
class Located:
    """A protected table with its location on the config's primary site."""

    entry: ProtectedTable
    name: str | None  # its Unity Catalog name, where known
    location: str


def locate_protected(
    config: Config, *, workspace: Workspaces | None = None
) -> tuple[list[Located], list[str]]:
    """Every protected table with a location, and the entries that have none (each with
    why). A table named twice keeps the first entry: exact entries are listed first."""
    located: dict[str, Located] = {}
    unresolved: list[str] = []
    catalog: Catalog | None = None
    entries = sorted(config.protected.tables, key=lambda e: e.is_glob)
    for entry in entries:
        if entry.location is not None:
            name = entry.table if entry.table and not entry.is_glob else None
            located.setdefault(entry.location, Located(entry, name, entry.location))
            continue
        catalog = catalog or _catalog(config, workspace)
        pattern = entry.table or "?"
        try:
            found = catalog(pattern)
        except StandbyError as e:
            unresolved.append(f"{pattern}: {e.message}")
            continue
        if not found:
            unresolved.append(f"{pattern}: no such table in Unity Catalog")
        for name, location in sorted(found.items()):
            if config.locate(location, config.primary) is None:
                unresolved.append(f"{name}: {location} is under no storage root of the primary")
                continue
            located.setdefault(normalize(location), Located(entry, name, normalize(location)))
    return list(located.values()), unresolved


def _catalog(config: Config, workspace: Workspaces | None) -> Catalog:
    """Lookups in the primary's Unity Catalog, or, when it cannot answer, the DR site's."""
    if workspace is None:  # the SDK loads only when a table is named by catalog alone
        from standby.workspace.operations import open_site_workspace

        workspace = open_site_workspace
    opener: Workspaces = workspace
    opened: dict[str, SiteWorkspace] = {}

    def site(name: str) -> SiteWorkspace:
        if name not in opened:
            opened[name] = opener(config, name)
        return opened[name]

    def lookup(pattern: str) -> dict[str, str]:
        try:
            return site(config.primary).find_tables(pattern)
        except StandbyError as first:
            try:
                found = site(config.dr).find_tables(pattern)
            except StandbyError:
                raise first from None
            return {
                name: config.map_location(location, config.dr, config.primary)
                for name, location in found.items()
                if config.locate(location, config.dr) is not None
            }

    return lookup
