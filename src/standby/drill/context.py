"""What every drill step sees: the configuration, the site that is primary now and the one
that is its replica (the drill's DR side), the protected tables, the drill's own places
(its area on DR storage, its isolated catalog), the clock, and the running journal.

A drill changes nothing in production: the only places it writes are its area under
`_standby/drills/<id>/` on the replica site's home root and the catalog
`standby_drill_<id>` in the replica site's workspace, both removed by its clean-up, and
its history `_standby/drills/<id>.json` under the DR site's home root.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Literal

from standby.config import Config
from standby.drill.history import DRILLS_DIR
from standby.drill.workspace import DrillWorkspace, open_drill_workspace
from standby.failover.sites import (
    ProtectedTableSite,
    SiteHandle,
    control_roots,
    protected_tables,
)
from standby.operations.clock import Clock, SystemClock
from standby.operations.facts import JournalFacts
from standby.operations.journal import Journal
from standby.operations.runner import Scope
from standby.replication.locations import locate_protected
from standby.replication.plan import direction
from standby.storage import ObjectStore, join

Level = Literal["basic", "intermediate", "full"]
LEVELS: tuple[Level, ...] = ("basic", "intermediate", "full")


@dataclass(frozen=True)
class DrillOptions:
    """The arguments of one drill, as its journal records them."""

    level: Level
    live: bool = False
    source: str = ""  # the site that is primary when the drill starts
    target: str = ""  # its replica: where the drill rehearses

    def to_args(self) -> dict[str, Any]:
        return asdict(self)


def sides(config: Config) -> tuple[str, str]:
    """(primary now, its replica) as the control objects say; the config's order before
    any exist."""
    return direction(config, control_roots(config))


@dataclass
class DrillContext(JournalFacts):
    config: Config
    options: DrillOptions
    clock: Clock = field(default_factory=SystemClock)
    workspace_factory: Callable[[Config, str], DrillWorkspace] = open_drill_workspace
    journal: Journal | None = None
    scope: Scope | None = None

    def __post_init__(self) -> None:
        self.source = SiteHandle(self.config, self.options.source)
        self.target = SiteHandle(self.config, self.options.target)
        located, self.unresolved = locate_protected(self.config, workspace=self.workspace_factory)
        self.tables, _ = protected_tables(self.config, located)
        self.roots = control_roots(self.config, located)

    @cached_property
    def workspace(self) -> DrillWorkspace:
        """The replica site's workspace: where drill jobs, the drill catalog and queries run."""
        return self.workspace_factory(self.config, self.options.target)

    @property
    def drill_id(self) -> str:
        return self.journal.operation_id if self.journal else "drill-dry-run"

    @property
    def area(self) -> str:
        """The drill's own prefix on the replica site's home root."""
        return f"{DRILLS_DIR}/{self.drill_id}/"

    def area_uri(self, *parts: str) -> str:
        return join(self.target.home.url, self.area + "/".join(parts))

    @property
    def catalog(self) -> str:
        """The isolated catalog of this drill in the replica site's workspace."""
        return "standby_drill_" + re.sub(r"[^0-9a-z]+", "_", self.drill_id.lower()).removeprefix(
            "drill_"
        )

    def drill_name(self, table: ProtectedTableSite) -> str:
        """A protected table's name in the drill catalog: its catalog and schema joined
        into one schema (`production.sales.t` -> `<drill catalog>.production__sales.t`)."""
        if table.name:
            catalog, schema, name = table.name.lower().split(".")
            return f"{self.catalog}.{catalog}__{schema}.{name}"
        leaf = re.sub(r"[^0-9a-z]+", "_", table.label.rstrip("/").rsplit("/", 1)[-1].lower())
        return f"{self.catalog}.paths.{leaf}"

    def source_uri(self, table: ProtectedTableSite) -> str:
        return table.locations[self.options.source]

    def replica_uri(self, table: ProtectedTableSite) -> str:
        return table.locations[self.options.target]

    def options_for(self, site: str, uri: str) -> dict[str, str]:
        """Storage options of `site` for `uri` (secret values: never log them)."""
        return self.config.site(site).resolved_storage_options(uri)

    @property
    def history_home(self) -> ObjectStore:
        """The DR site's home root, which keeps every drill's history."""
        return SiteHandle(self.config, self.config.dr).home
