"""The two sites as an operation sees them: each site's storage roots opened with its own
storage options, its workspace, its control objects, and the protected tables with their
location on each site.

Stores and workspaces are opened on first use: a forced failover never touches the
primary's unless a step asks, and then with the short timeouts of a probe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from standby.config import Config
from standby.control import Control, read_control
from standby.replication.locations import Located, locate_protected
from standby.storage import ObjectStore, open_store
from standby.workspace.operations import SiteWorkspace, open_site_workspace


@dataclass(frozen=True)
class ProtectedTableSite:
    """A protected table with its location on each site; `name` is its Unity Catalog name
    where the config gives one."""

    name: str | None
    tier: str
    rpo_seconds: float
    locations: dict[str, str]  # site -> URI

    @property
    def label(self) -> str:
        return self.name or next(iter(self.locations.values()))


@dataclass
class SiteHandle:
    """One site of standby.yml: roots, workspace and control objects, opened lazily."""

    config: Config
    name: str
    workspace_factory: Callable[[Config, str], SiteWorkspace] = open_site_workspace
    _stores: dict[str, ObjectStore] = field(default_factory=dict, repr=False)

    def store(self, uri: str) -> ObjectStore:
        """A store at `uri` with this site's storage options."""
        if uri not in self._stores:
            options = self.config.site(self.name).resolved_storage_options(uri)
            self._stores[uri] = open_store(uri, options=options or None)
        return self._stores[uri]

    def root(self, root_name: str) -> ObjectStore:
        return self.store(self.config.site(self.name).storage[root_name])

    @property
    def home(self) -> ObjectStore:
        """The root that holds the lease, the journals and the drill history."""
        return self.root(next(iter(self.config.site(self.name).storage)))

    @cached_property
    def workspace(self) -> SiteWorkspace:
        return self.workspace_factory(self.config, self.name)

    def controls(self, root_names: list[str]) -> dict[str, Control | None]:
        return {n: read_control(self.root(n)) for n in root_names}


def protected_tables(
    config: Config, located: list[Located] | None = None
) -> tuple[list[ProtectedTableSite], list[str]]:
    """The protected tables with a location (from standby.yml or Unity Catalog), mapped
    onto every site, and the entries that have none (each with why)."""
    unresolved: list[str] = []
    if located is None:
        located, unresolved = locate_protected(config)
    tables = []
    for table in located:
        locations = {
            site: config.map_location(table.location, config.primary, site) for site in config.sites
        }
        rpo = float(config.tier(table.entry.tier).rpo)
        tables.append(ProtectedTableSite(table.name, table.entry.tier, rpo, locations))
    return tables, unresolved


def control_roots(config: Config, located: list[Located] | None = None) -> list[str]:
    """The storage roots that hold protected tables: each has a control object per site."""
    if located is None:
        located, _ = locate_protected(config)
    return sorted({config.root_of(table.location, config.primary) for table in located})


def other_site(config: Config, site: str) -> str:
    """The one site of the two that is not `site`."""
    return next(n for n in config.sites if n != site)
