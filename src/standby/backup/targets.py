"""What a backup policy covers: its tables resolved to storage locations, and its root.

A policy names tables by Unity Catalog name, glob or storage URI; names resolve through the
protected set (`protected.tables[].location`). Each table's backups live under the root at
the table's path: `catalog/schema/table` for a name, the path under a site's storage root
for a URI.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from standby.config import BackupPolicy, Config
from standby.errors import BadInput
from standby.storage import normalize, redact

INCREMENTAL_DIR = "incremental"


@dataclass(frozen=True)
class TableSource:
    """One table a policy backs up."""

    name: str  # a Unity Catalog name, or the URI when the table has none
    uri: str
    path: str  # its directory under the backup root

    def backup_path(self, kind: str, backup_id: str, policy: str) -> str:
        """Deep and shallow backups get a directory each; incremental ones share one."""
        if kind == "incremental":
            return f"{self.path}/{INCREMENTAL_DIR}/{policy}"
        return f"{self.path}/{backup_id}"


@dataclass(frozen=True)
class PolicyTargets:
    policy: BackupPolicy
    root: str  # the backup root's URI
    tables: list[TableSource]


def backup_roots(config: Config, *, policy: str | None = None) -> list[str]:
    """The distinct backup roots of the policies (of one policy when named)."""
    chosen = [config.policy(policy)] if policy else config.backups.policies
    if not chosen:
        raise BadInput(
            "standby.yml has no backup policies.",
            hint="Add one under backups.policies (see `standby config check`).",
        )
    return list(dict.fromkeys(normalize(config.backup_location(p)) for p in chosen))


def policy_targets(
    config: Config, *, policy: str | None = None, tables: Sequence[str] | None = None
) -> list[PolicyTargets]:
    """Each chosen policy with its root and tables; `tables` keeps only those named
    (by name or URI). BadInput when a name resolves to nothing."""
    backup_roots(config, policy=policy)  # no policies at all: say so
    chosen = [config.policy(policy)] if policy else config.backups.policies
    out = []
    for p in chosen:
        sources = _dedupe([s for ref in p.tables for s in _resolve(config, ref)])
        out.append(PolicyTargets(p, normalize(config.backup_location(p)), sources))
    if tables:
        out = _only(out, tables)
    return out


def _only(targets: list[PolicyTargets], wanted: Sequence[str]) -> list[PolicyTargets]:
    keys = {_key(w) for w in wanted}
    out = [
        PolicyTargets(t.policy, t.root, [s for s in t.tables if keys & {_key(s.name), s.uri}])
        for t in targets
    ]
    found = {k for t in out for s in t.tables for k in (_key(s.name), s.uri)}
    unknown = [w for w in wanted if _key(w) not in found]
    if unknown:
        known = ", ".join(sorted({s.name for t in targets for s in t.tables})) or "none"
        raise BadInput(
            f"No chosen backup policy covers {', '.join(unknown)}.",
            hint=f"Tables the policies back up: {known}.",
        )
    return [t for t in out if t.tables]


def _key(ref: str) -> str:
    if "://" in ref or "/" in ref or ref.startswith("~"):
        return normalize(ref)
    return ref.lower()


def _resolve(config: Config, ref: str) -> list[TableSource]:
    if "://" in ref:  # config validation turned paths into URIs already
        entry = config.protected_table(location=ref)
        name = entry.table if entry and entry.table and not entry.is_glob else None
        return [TableSource(name or ref, ref, _uc_path(name) if name else _uri_path(config, ref))]
    if any(c in ref for c in "*?["):
        found = [
            e
            for e in config.protected.tables
            if e.table and e.location and not e.is_glob and _matches(ref, e.table)
        ]
        if not found:
            raise BadInput(
                f"The backup policy's table pattern {ref!r} matches no protected table with "
                "a location.",
                hint="Add the tables to protected.tables with their location.",
            )
        return [
            TableSource(e.table, e.location, _uc_path(e.table))
            for e in found
            if e.table and e.location
        ]
    entry = config.protected_table(name=ref)
    if entry is None or entry.location is None:
        raise BadInput(
            f"The backup policy names {ref}, but standby.yml gives no storage location for it.",
            hint="Add `location:` to its protected.tables entry, or list the table in the "
            "policy by its storage URI.",
        )
    return [TableSource(ref, entry.location, _uc_path(ref))]


def _matches(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def _uc_path(name: str) -> str:
    return "/".join(name.split("."))


def _uri_path(config: Config, uri: str) -> str:
    for site in config.sites:
        found = config.locate(uri, site)
        if found and found[1]:
            return f"{found[0]}/{found[1]}"
    parsed = urlparse(redact(uri))
    return "/".join(p for p in (parsed.netloc, *parsed.path.split("/")) if p)


def _dedupe(sources: list[TableSource]) -> list[TableSource]:
    return list({s.uri: s for s in sources}.values())
