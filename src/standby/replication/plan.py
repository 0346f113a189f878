"""Which tables to replicate, and where: one pair from the command line, or every
protected table of standby.yml mapped from the primary site to the DR site."""

from __future__ import annotations

from dataclasses import dataclass

from standby.config import Config
from standby.control import initialize, require_replication_allowed
from standby.errors import BadInput, Refused
from standby.replication.follow import Pair
from standby.storage import open_store


@dataclass(frozen=True)
class ConfiguredPairs:
    pairs: list[Pair]
    epoch: int
    unresolved: list[str]  # protected entries with no storage location to replicate
    roots: list[tuple[str, str]]  # (primary root URI, DR root URI) of each root involved

    def fence(self) -> None:
        """Raise Refused unless every root pair still allows replication at our epoch."""
        for primary, replica in self.roots:
            epoch = require_replication_allowed(open_store(primary), open_store(replica))
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
    root_uris = [
        (config.site(primary).storage[n], config.site(dr).storage[n]) for n in sorted(roots)
    ]
    for src_uri, dst_uri in root_uris:
        src_root, dst_root = open_store(src_uri), open_store(dst_uri)
        if not dry_run:
            initialize(src_root, site=primary, role="primary")
            initialize(dst_root, site=dr, role="replica")
            epoch = require_replication_allowed(src_root, dst_root)
    return ConfiguredPairs(pairs, epoch, unresolved, root_uris)
