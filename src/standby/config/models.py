"""The model of the whole `standby.yml` (its sections are in `sections` and `site`), and the
location mapping: which site and root hold a URI, and where it lives on the other site.

Models are strict (unknown fields are errors, so typos are caught) and hold no secret
values: a token or a storage key is named by the environment variable that holds it and
read only when a client is made. Every problem found while loading is reported at once,
each with its field path and line (see `standby.config.load`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PrivateAttr, ValidationInfo, model_validator

from standby.config.checks import cross_check, problems_error
from standby.config.drills import Drills
from standby.config.sections import (
    DEFAULT_TIERS,
    WORKSPACE_KINDS,
    BackupPolicy,
    Backups,
    Contact,
    EngineSettings,
    Failover,
    MappingRule,
    Protected,
    ProtectedTable,
    Retention,
    SecretProvider,
    Tier,
    WorkspaceKind,
    WorkspaceSync,
    engine_setting,
)
from standby.config.site import Site
from standby.config.types import Name, StrictModel
from standby.errors import BadInput, ConfigInvalid
from standby.storage.url import join, normalize

__all__ = [
    "DEFAULT_TIERS",
    "WORKSPACE_KINDS",
    "BackupPolicy",
    "Backups",
    "Config",
    "Contact",
    "EngineSettings",
    "Failover",
    "MappingRule",
    "Protected",
    "ProtectedTable",
    "Retention",
    "SecretProvider",
    "Tier",
    "WorkspaceKind",
    "WorkspaceSync",
    "with_default_tiers",
]


class Config(StrictModel):
    """The whole of standby.yml, validated and cross-checked."""

    version: Literal[1] = 1
    sites: dict[Name, Site]
    tiers: dict[Name, Tier] = {}
    protected: Protected = Protected()
    backups: Backups = Backups()
    workspace_sync: WorkspaceSync = WorkspaceSync()
    contacts: list[Contact] = []
    engine: Annotated[EngineSettings, BeforeValidator(engine_setting)] = EngineSettings()
    failover: Failover = Failover()
    drills: Drills = Drills()
    _path: Path | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _default_tiers(cls, data: Any) -> Any:
        return with_default_tiers(data)

    @model_validator(mode="after")
    def _cross_check(self, info: ValidationInfo) -> Config:
        if not (info.context or {}).get("cross_checked"):
            problems = cross_check(self.model_dump())
            if problems:
                raise problems_error(problems, source="configuration")
        return self

    @property
    def path(self) -> Path | None:
        """The file this configuration was loaded from, if any."""
        return self._path

    @property
    def primary(self) -> str:
        """The name of the primary site."""
        return next(n for n, s in self.sites.items() if s.role == "primary")

    @property
    def dr(self) -> str:
        """The name of the DR site."""
        return next(n for n, s in self.sites.items() if s.role == "dr")

    def site(self, name: str) -> Site:
        if name not in self.sites:
            raise BadInput(
                f"No site named '{name}'.", hint=f"Sites in the config: {', '.join(self.sites)}."
            )
        return self.sites[name]

    def tier(self, name: str) -> Tier:
        if name not in self.tiers:
            raise BadInput(f"No tier named '{name}'.", hint=f"Tiers: {', '.join(self.tiers)}.")
        return self.tiers[name]

    def locate(self, uri: str, site: str) -> tuple[str, str] | None:
        """(root name, relative path) of `uri` under the site's roots (the longest root wins)."""
        url = normalize(uri)
        roots = self.site(site).storage
        hits = [(len(r), n) for n, r in roots.items() if url == r or url.startswith(r + "/")]
        if not hits:
            return None
        name = max(hits)[1]
        return name, url[len(roots[name]) :].lstrip("/")

    def site_of(self, uri: str) -> str | None:
        """The site whose storage `uri` is on: the one with the longest root holding it,
        else the only one with a root in the same bucket (or container); else None."""
        hits = []
        for name, site in self.sites.items():
            found = self.locate(uri, name)
            if found is not None:
                hits.append((len(site.storage[found[0]]), name))
        if hits:
            return max(hits)[1]
        bucket = _bucket(normalize(uri))
        same = {
            n for n, s in self.sites.items() for r in s.storage.values() if _bucket(r) == bucket
        }
        return same.pop() if len(same) == 1 else None

    def storage_options_for(self, uri: str) -> dict[str, str] | None:
        """The storage options that reach `uri`: those of its site (`site_of`), with
        environment references read now (secret values: never log them). None when it is
        on no site's storage: the environment's credentials and endpoint apply."""
        site = self.site_of(uri)
        if site is None:
            return None
        return self.sites[site].resolved_storage_options(uri) or None

    def root_of(self, uri: str, site: str) -> str:
        """The name of the storage root of `site` that holds `uri`; BadInput when none does."""
        found = self.locate(uri, site)
        if found is None:
            raise BadInput(
                f"{normalize(uri)} is under no storage root of site '{site}'.",
                hint=f"Use a location under one of the roots in sites.{site}.storage.",
            )
        return found[0]

    def map_location(self, uri: str, from_site: str, to_site: str) -> str:
        """Where the object at `uri` on `from_site` lives on `to_site`: same root name,
        same relative path (DESIGN.md, Location mapping).

        Raises BadInput when `uri` is under none of the roots of `from_site`, and
        ConfigInvalid when `to_site` has no root of that name.
        """
        found = self.locate(uri, from_site)
        if found is None:
            roots = ", ".join(f"{n}: {u}" for n, u in self.site(from_site).storage.items())
            raise BadInput(
                f"{normalize(uri)} is under none of the storage roots of site '{from_site}' "
                f"({roots}), so it has no location on site '{to_site}'.",
                hint=f"Use a location under one of those roots, or add a root to "
                f"sites.{from_site}.storage (and the same name to sites.{to_site}.storage).",
            )
        root, relative = found
        target = self.site(to_site).storage.get(root)
        if target is None:
            raise ConfigInvalid(
                f"sites.{to_site}.storage.{root}: field required (site '{from_site}' has a "
                f"storage root '{root}', so site '{to_site}' needs one of the same name).",
                hint="Add it to standby.yml.",
            )
        return join(target, relative)

    def protected_table(
        self, *, name: str | None = None, location: str | None = None
    ) -> ProtectedTable | None:
        """The protected-set entry covering a table: an exact name or location, else the
        first glob that matches; None when the table is not protected."""
        url = normalize(location) if location else None
        for entry in self.protected.tables:
            if name and entry.table and not entry.is_glob and entry.matches(name):
                return entry
            if url and entry.location == url:
                return entry
        return next(
            (e for e in self.protected.tables if name and e.is_glob and e.matches(name)), None
        )

    def policy(self, name: str) -> BackupPolicy:
        for policy in self.backups.policies:
            if policy.name == name:
                return policy
        names = ", ".join(p.name for p in self.backups.policies) or "none"
        raise BadInput(f"No backup policy named '{name}'.", hint=f"Policies: {names}.")

    def backup_location(self, policy: BackupPolicy) -> str:
        """The URI under which a policy's backups (and their catalog) are written."""
        if policy.root_is_uri:
            return policy.root
        return self.site(policy.site or self.dr).storage[policy.root]

    def env_names(self) -> dict[str, str]:
        """Environment variable -> the field that names it, for every secret reference."""
        out: dict[str, str] = {}
        for site_name, site in self.sites.items():
            for env in site.env_names():
                out.setdefault(env, f"sites.{site_name}")
        return out

    def missing_env(self, environ: dict[str, str] | None = None) -> list[str]:
        """The secret environment variables this config names that are not set."""
        env = os.environ if environ is None else environ
        return sorted(name for name in self.env_names() if not env.get(name))


def _bucket(url: str) -> str | None:
    """`scheme://bucket` of a cloud URL (None for a local one): one account's storage."""
    scheme, _, rest = url.partition("://")
    return None if scheme == "file" else f"{scheme}://{rest.split('/', 1)[0]}"


def with_default_tiers(data: Any) -> Any:
    """`data` with the DR guide's tiers filled in: a tier given in the file overrides the
    default of the same name field by field; other tiers are added as written."""
    if not isinstance(data, dict):
        return data
    tiers = data.get("tiers")
    if tiers is None:
        tiers = {}
    if not isinstance(tiers, dict):
        return data
    merged: dict[Any, Any] = {k: dict(v) for k, v in DEFAULT_TIERS.items()}
    for name, tier in tiers.items():
        base = merged.get(name, {})
        merged[name] = {**base, **tier} if isinstance(tier, dict) else tier
    return {**data, "tiers": merged}
