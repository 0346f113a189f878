"""Which storage options reach each location standby.yml names, and what they miss.

In config mode every command opens a URL with the storage_options of its site (the one
whose root holds it, else the only one with a root in its bucket: `Config.site_of`). What
no site's options reach goes to the environment's credentials and endpoint; `config check`
lists those, and options that reach nothing, so no command surprises anyone on the day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from standby.config.models import Config
from standby.storage.url import is_local, redact

__all__ = ["Reach", "StorageReach", "storage_reach"]


@dataclass(frozen=True)
class Reach:
    """One location of standby.yml and the site whose storage options reach it."""

    field: str  # where standby.yml names it: sites.dr.storage.lake, backups.policies[0].root
    location: str  # the URI, credentials redacted
    site: str | None  # None: the environment's credentials and endpoint


@dataclass
class StorageReach:
    locations: list[Reach] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the cases site options do not cover


def storage_reach(config: Config) -> StorageReach:
    """Each location's site, and in words each case where a site's options do not apply:
    a cloud location on no site's storage, and options no root of their site uses."""
    out = StorageReach()
    with_options = [n for n, s in config.sites.items() if s.storage_options]
    for name, uri in _locations(config):
        owner = config.site_of(uri) if not is_local(uri) else None
        out.locations.append(Reach(name, redact(uri), owner))
        if owner is None and not is_local(uri) and with_options:
            out.notes.append(
                f"{name}: {redact(uri)} is on no site's storage, so no storage_options reach "
                "it: commands use the environment's credentials and endpoint there. Put it "
                "under a site's storage root (or in the bucket of one) to use that site's."
            )
    for site_name, site in config.sites.items():
        roots = [u for u in site.storage.values() if not is_local(u)]
        used = {key for root in roots for key in site.option_names(root)}
        for key in site.storage_options:
            if key not in used:
                where = ", ".join(roots) if roots else "local paths only"
                out.notes.append(
                    f"sites.{site_name}.storage_options.{key} reaches none of the site's "
                    f"storage roots ({where}): it is never used."
                )
    return out


def _locations(config: Config) -> Iterator[tuple[str, str]]:
    """Every storage location standby.yml names, with the field that names it."""
    for site_name, site in config.sites.items():
        for root, uri in site.storage.items():
            yield f"sites.{site_name}.storage.{root}", uri
    for i, entry in enumerate(config.protected.tables):
        if entry.location:
            yield f"protected.tables[{i}].location", entry.location
    for i, policy in enumerate(config.backups.policies):
        if policy.root_is_uri:
            yield f"backups.policies[{i}].root", policy.root
        for j, table in enumerate(policy.tables):
            if "://" in table:
                yield f"backups.policies[{i}].tables[{j}]", table
