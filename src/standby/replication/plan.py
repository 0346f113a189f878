"""Which tables to replicate, and where: one pair from the command line, or every
protected table of standby.yml mapped from the primary site to the DR site."""

from __future__ import annotations

from dataclasses import dataclass

from standby.config import Config
from standby.control import initialize, read_control, require_replication_allowed
from standby.errors import BadInput, Refused
from standby.replication.follow import Pair
from standby.storage import open_store


@dataclass(frozen=True)
class ConfiguredPairs:
    pairs: list[Pair]
    epoch: int
    unresolved: list[str]  # protected entries with no storage location to replicate
    roots: list[Pair]  # each storage root involved: primary root -> DR root

    def fence(self) -> None:
        """Raise Refused unless every root pair still allows replication at our epoch."""
        for root in self.roots:
            epoch = require_replication_allowed(*root.stores())
            if epoch != self.epoch:
                raise Refused(
                    f"The control objects moved to epoch {epoch} while replicating at epoch "
                    f"{self.epoch}: a failover or failback happened. Replication stopped.",
                )


def configured_pairs(config: Config, *, dry_run: bool = False) -> ConfiguredPairs:
    """Every protected table with a location, mapped from the site that is primary to the
    other; checks the control objects of each storage root involved (creating them on
    first use). The direction is the config's primary -> dr, until a reprotect makes the
    DR site primary and the other its replica: then replication runs DR -> primary."""
    roots: set[str] = set()
    located = []
    unresolved: list[str] = []
    for entry in config.protected.tables:
        if entry.location is None:
            unresolved.append(entry.table or "?")
            continue
        found = config.locate(entry.location, config.primary)
        if found is None:
            raise BadInput(
                f"Protected table location {entry.location} is under no storage root "
                f"of site {config.primary}."
            )
        roots.add(found[0])
        located.append(entry)
    source, target = direction(config, sorted(roots))
    pairs = [
        _pair(
            config,
            (source, config.map_location(e.location, config.primary, source)),
            (target, config.map_location(e.location, config.primary, target)),
            config.tier(e.tier).rpo,
        )
        for e in located
        if e.location is not None
    ]
    root_pairs = [
        _pair(
            config,
            (source, config.site(source).storage[n]),
            (target, config.site(target).storage[n]),
            None,
        )
        for n in sorted(roots)
    ]
    epoch = 0
    for root in root_pairs:
        src_root, dst_root = root.stores()
        if not dry_run:
            initialize(src_root, site=source, role="primary")
            initialize(dst_root, site=target, role="replica")
            epoch = require_replication_allowed(src_root, dst_root)
    return ConfiguredPairs(pairs, epoch, unresolved, root_pairs)


def direction(config: Config, roots: list[str]) -> tuple[str, str]:
    """(source site, target site) as the control objects say; the config's own order when
    they do not say otherwise (no control objects yet, or a fenced or torn state, which
    `require_replication_allowed` then refuses with the roles named)."""
    primary, dr = config.primary, config.dr
    if (
        roots
        and _roles(config, dr, roots) == {"primary"}
        and _roles(config, primary, roots) == {"replica"}
    ):
        return dr, primary
    return primary, dr


def _roles(config: Config, site: str, roots: list[str]) -> set[str]:
    settings = config.site(site)
    found = set()
    for name in roots:
        uri = settings.storage[name]
        store = open_store(uri, options=settings.resolved_storage_options(uri) or None)
        control = read_control(store)
        found.add(control.role if control else "none")
    return found


def _pair(
    config: Config, source: tuple[str, str], target: tuple[str, str], rpo: float | None
) -> Pair:
    """A pair whose stores use each site's storage options (env references read now)."""
    (source_site, source_uri), (target_site, target_uri) = source, target
    return Pair(
        source_uri,
        target_uri,
        rpo,
        source_options=config.site(source_site).resolved_storage_options(source_uri) or None,
        target_options=config.site(target_site).resolved_storage_options(target_uri) or None,
    )
