"""Which tables to replicate, and where: one pair from the command line, or every
protected table of standby.yml mapped from the primary site to the DR site."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from standby.config import Config
from standby.control import initialize, read_control, require_replication_allowed
from standby.errors import BadInput, Refused, StandbyError
from standby.replication.follow import Pair


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
    """Every protected table with a location, mapped to the DR site; checks the control
    objects of each storage root involved (creating them on first use)."""
    primary, dr = config.primary, config.dr
    pairs: list[Pair] = []
    unresolved: list[str] = []
    roots: set[str] = set()
    root_names: dict[Pair, str] = {}
    for entry in config.protected.tables:
        if entry.location is None:
            unresolved.append(entry.table or "?")
            continue
        located = config.locate(entry.location, primary)
        if located is None:
            raise BadInput(
                f"Protected table location {entry.location} is under no storage root "
                f"of site {primary}."
            )
        roots.add(located[0])
        target = config.map_location(entry.location, primary, dr)
        pair = _pair(config, entry.location, target, config.tier(entry.tier).rpo)
        name = entry.table if entry.table and not entry.is_glob else None
        pairs.append(replace(pair, name=name, tier=entry.tier))
        root_names[pairs[-1]] = located[0]
    epoch = 0
    root_pairs = [
        _pair(config, config.site(primary).storage[n], config.site(dr).storage[n], None)
        for n in sorted(roots)
    ]
    for root in root_pairs:
        src_root, dst_root = root.stores()
        if not dry_run:
            initialize(src_root, site=primary, role="primary")
            initialize(dst_root, site=dr, role="replica")
            epoch = require_replication_allowed(src_root, dst_root)
    by_name = dict(zip(sorted(roots), root_pairs, strict=True))
    root_of = {pair: by_name[name] for pair, name in root_names.items()}
    return ConfiguredPairs(pairs, epoch, unresolved, root_pairs, root_of)


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


def _pair(config: Config, source: str, target: str, rpo: float | None) -> Pair:
    """A pair whose stores use each site's storage options (env references read now)."""
    return Pair(
        source,
        target,
        rpo,
        source_options=config.site(config.primary).resolved_storage_options(source) or None,
        target_options=config.site(config.dr).resolved_storage_options(target) or None,
    )
