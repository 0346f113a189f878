"""What every failover step sees: the configuration, the two sites (the one losing the
primary role and the one taking it), the protected tables, the options, the clock, and
the journal of the running operation (what earlier steps recorded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from standby.config import Config
from standby.control import Role, transition
from standby.errors import Refused, StandbyError
from standby.failover.dns import DnsSwitcher, switcher
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
from standby.workspace.operations import SiteWorkspace, open_site_workspace

Mode = Literal["planned", "forced"]


@dataclass(frozen=True)
class FailoverOptions:
    """The arguments of one failover, as its journal records them (no secrets)."""

    source: str  # the site that loses the primary role
    target: str  # the site that takes it
    mode: Mode
    sync_config: bool = False
    cancel_runs: bool = False
    drain_timeout: float = 600.0
    primary_timeout: float = 30.0
    force_split_brain: bool = False  # reprotect although both sites were primary at one epoch

    def to_args(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FailoverContext(JournalFacts):
    config: Config
    options: FailoverOptions
    clock: Clock = field(default_factory=SystemClock)
    workspace_factory: Callable[[Config, str], SiteWorkspace] = open_site_workspace
    journal: Journal | None = None
    scope: Scope | None = None

    def __post_init__(self) -> None:
        self.source = SiteHandle(self.config, self.options.source, self.workspace_factory)
        self.target = SiteHandle(self.config, self.options.target, self.workspace_factory)
        located, self.unresolved = locate_protected(self.config, workspace=self.workspace_factory)
        self.tables, _ = protected_tables(self.config, located)
        self.roots = control_roots(self.config, located)

    @property
    def mode(self) -> Mode:
        return self.options.mode

    def epoch(self) -> int:
        """The epoch the sites were at when the operation started (recorded by preflight)."""
        value = self.fact("preflight", "epoch")
        if value is None:
            raise StandbyError("The preflight step has not recorded the starting epoch.")
        return int(value)

    @property
    def operation_id(self) -> str:
        return self.journal.operation_id if self.journal else "dry-run"

    def move_roots(
        self, site: SiteHandle, *, expect: tuple[Role, int], to: tuple[Role, int]
    ) -> None:
        """Every control object of `site` from `expect` to `to`, each by compare-and-swap
        (one already at `to` is left as it is: a rerun changes nothing)."""
        for name in self.roots:
            transition(site.root(name), expect=expect, to=to, operation_id=self.operation_id)

    def require_role(self, site: SiteHandle, role: Role, *, after: str) -> None:
        """Refused unless every control object of `site` says `role` (a step's check)."""
        for name, control in site.controls(self.roots).items():
            if control is None or control.role != role:
                raise Refused(f"{site.name} root {name} is not {role} after {after}.")

    def dns(self) -> tuple[DnsSwitcher, str | None, str | None]:
        """The switcher of the target site's record, the record, and its new target."""
        dns = self.config.site(self.options.target).dns
        if dns is None:
            return switcher(None), None, None
        return switcher(dns, sleep=self.clock.sleep), dns.record, dns.target

    def table_uri(self, table: ProtectedTableSite, site: str) -> str:
        return table.locations[site]
