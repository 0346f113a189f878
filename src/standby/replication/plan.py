"""Which tables to replicate, and where: one pair from the command line, or every
protected table of standby.yml mapped from the primary site to the DR site."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from standby.config import Config
from standby.control import initialize, read_control, require_replication_allowed
from standby.errors import Refused, StandbyError
from standby.replication.locations import locate_protected
from standby.replication.pair import Pair
from standby.storage import open_store


@dataclass(frozen=True)
class ConfiguredPairs:
    pairs: list[Pair]
    epoch: int
    unresolved: list[str]  # protected entries with no storage location to replicate
    roots: list[Pair]  # each storage root involved: primary root -> DR root
    root_of: dict[Pair, Pair] = field(default_factory=dict)  # each pair's root pair

    def fenced(self) -> dict[Pair, str]:
        """Why replication is fenced, for each pair whose root's control objects fence it
        (reads only; roots not initialised yet are not fenced)."""
        why = {root: reason for root in self.roots if (reason := fence_reason(root))}
        return {pair: why[root] for pair, root in self.root_of.items() if root in why}

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
    found, unresolved = locate_protected(config)
    located = [(table, config.root_of(table.location, config.primary)) for table in found]
    roots = sorted({root for _, root in located})
    source, target = direction(config, roots)
    root_pairs = {
        n: _pair(
            config,
            (source, config.site(source).storage[n]),
            (target, config.site(target).storage[n]),
            None,
        )
        for n in roots
    }
    pairs: list[Pair] = []
    root_of: dict[Pair, Pair] = {}
    for table, root_name in located:
        pair = _pair(
            config,
            (source, config.map_location(table.location, config.primary, source)),
            (target, config.map_location(table.location, config.primary, target)),
            config.tier(table.entry.tier).rpo,
        )
        pairs.append(replace(pair, name=table.name, tier=table.entry.tier))
        root_of[pairs[-1]] = root_pairs[root_name]
    epoch = 0
    for root_pair in root_pairs.values():
        src_root, dst_root = root_pair.stores()
        if not dry_run:
            initialize(src_root, site=source, role="primary")
            initialize(dst_root, site=target, role="replica")
            epoch = require_replication_allowed(src_root, dst_root)
    return ConfiguredPairs(pairs, epoch, unresolved, list(root_pairs.values()), root_of)


def fence_reason(root: Pair) -> str | None:
    """Why the control objects of a root pair fence replication; None when they allow it
    or do not exist yet (a pair never replicated)."""
    try:
        src_root, dst_root = root.stores()
        if read_control(src_root) is None or read_control(dst_root) is None:
            return None
        require_replication_allowed(src_root, dst_root)
    except Refused as e:
        return e.message
    except StandbyError:  # unreadable: each table's own status says so
        return None
    return None


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
    found: set[str] = set()
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
