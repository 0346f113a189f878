"""Which tables to replicate, and where: one pair from the command line, or every
protected table of standby.yml mapped from the primary site to the DR site."""

from __future__ import annotations

from dataclasses import dataclass

from standby.config import Config
from standby.control import initialize, require_replication_allowed
from standby.errors import BadInput
from standby.replication.follow import Pair
from standby.storage import open_store


@dataclass(frozen=True)
class ConfiguredPairs:
    pairs: list[Pair]
    epoch: int
    unresolved: list[str]  # protected entries with no storage location to replicate


def configured_pairs(config: Config, *, dry_run: bool = False) -> ConfiguredPairs:
    """Every protected table with a location, mapped to the DR site; checks the control
    objects of each storage root involved (creating them on first use)."""
    primary, dr = config.primary, config.dr
    pairs: list[Pair] = []
    unresolved: list[str] = []
    roots: set[str] = set()
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
        pairs.append(Pair(entry.location, target, config.tier(entry.tier).rpo))
    epoch = 0
    for name in sorted(roots):
        src_root = open_store(config.site(primary).storage[name])
        dst_root = open_store(config.site(dr).storage[name])
        if not dry_run:
            initialize(src_root, site=primary, role="primary")
            initialize(dst_root, site=dr, role="replica")
        epoch = require_replication_allowed(src_root, dst_root) if not dry_run else epoch
    return ConfiguredPairs(pairs, epoch, unresolved)
