"""The models of `standby.yml`: sites, storage roots, tiers, the protected set, backups,
workspace sync and contacts; and the location mapping.

Models are strict (unknown fields are errors, so typos are caught) and hold no secret
values: a token or a storage key is named by the environment variable that holds it and
read only when a client is made. Every problem found while loading is reported at once,
each with its field path and line (see `standby.config.load`).
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, PrivateAttr, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from standby.config.checks import cross_check, problems_error
from standby.config.drills import Drills
from standby.config.site import Site
from standby.config.types import (
    Duration,
    LocalPath,
    Name,
    RootRef,
    StorageUri,
    StrictModel,
    TableRef,
    UcName,
    check_cron,
    format_duration,
)
from standby.errors import BadInput, ConfigInvalid
from standby.storage.url import join, normalize

# The workspace configuration kinds `config export / diff / sync` know, in dependency order.
# fmt: off
WorkspaceKind = Literal[
    "cluster_policies", "instance_pools", "global_init_scripts", "clusters", "warehouses",
    "secret_scopes", "notebooks", "jobs", "storage_credentials", "external_locations",
    "catalogs", "schemas", "tables", "volumes", "grants", "permissions",
]
# fmt: on
WORKSPACE_KINDS: tuple[WorkspaceKind, ...] = get_args(WorkspaceKind)

# The DR guide's section 2.2: tier -> RPO / RTO in seconds.
# `poll`: seconds between follow polls (`replicate --follow`), "never" for backups only.
DEFAULT_TIERS: dict[str, dict[str, Any]] = {
    "tier1": {
        "rpo": 15 * 60,
        "rto": 3600,
        "poll": 1,
        "description": "Hot standby, real-time replication",
    },
    "tier2": {
        "rpo": 4 * 3600,
        "rto": 8 * 3600,
        "poll": 60,
        "description": "Warm standby, async replication",
    },
    "tier3": {
        "rpo": 24 * 3600,
        "rto": 48 * 3600,
        "poll": "never",
        "description": "Cold standby, daily backups",
    },
}
DEFAULT_POLL = 60  # a tier of one's own that says nothing is polled every minute

_GLOB_CHARS = set("*?[")


_Model = StrictModel


def _poll(value: object) -> object:
    return None if value in ("never", None) else value


class Tier(_Model):
    """Recovery targets: RPO (data loss) and RTO (downtime), in seconds; and how often a
    follow loop polls its tables (None: never, the tier is kept by backups only)."""

    rpo: Duration
    rto: Duration
    poll: Annotated[Duration | None, BeforeValidator(_poll)] = DEFAULT_POLL
    description: str | None = None


class ProtectedTable(_Model):
    """A table to replicate: by Unity Catalog name or glob, and/or by storage location."""

    table: UcName | None = None
    location: StorageUri | None = None
    tier: str

    @model_validator(mode="after")
    def _something(self) -> ProtectedTable:
        if self.table is None and self.location is None:
            raise PydanticCustomError("table", "give table (a Unity Catalog name) or location")
        return self

    @property
    def is_glob(self) -> bool:
        return self.table is not None and bool(_GLOB_CHARS & set(self.table))

    def matches(self, name: str) -> bool:
        """Whether this entry covers the table `name` (case-insensitive, as Unity Catalog)."""
        return self.table is not None and fnmatch.fnmatchcase(name.lower(), self.table.lower())


class Protected(_Model):
    """What a failover must bring along: tables with tiers, jobs, workspace configuration."""

    tables: list[ProtectedTable] = []
    jobs: list[str] = []
    workspace_kinds: list[WorkspaceKind] = list(WORKSPACE_KINDS)


class Retention(_Model):
    """Which backups to keep (as restic's forget): any backup kept by one rule is kept."""

    keep_last: int | None = Field(None, ge=1)
    keep_daily: int | None = Field(None, ge=1)
    keep_weekly: int | None = Field(None, ge=1)
    keep_monthly: int | None = Field(None, ge=1)
    keep_within: Duration | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Retention:
        if all(getattr(self, f) is None for f in type(self).model_fields):
            raise PydanticCustomError(
                "empty_retention",
                "empty retention: it would keep no backup; set at least one of keep_last, "
                "keep_daily, keep_weekly, keep_monthly, keep_within",
            )
        return self

    def describe(self) -> str:
        """The rules in words, e.g. 'last 3, daily 7, within 30d'."""
        counts = ("keep_last", "keep_daily", "keep_weekly", "keep_monthly")
        parts = [
            f"{f.removeprefix('keep_')} {getattr(self, f)}" for f in counts if getattr(self, f)
        ]
        if self.keep_within:
            parts.append(f"within {format_duration(self.keep_within)}")
        return ", ".join(parts)


class BackupPolicy(_Model):
    """Which tables to back up, where, how, when, and how long to keep them."""

    name: Name
    tables: list[TableRef] = Field(min_length=1)
    root: RootRef
    site: str | None = None
    kind: Literal["deep", "shallow", "incremental"] = "deep"
    schedule: Annotated[str, BeforeValidator(check_cron)] = "0 2 * * *"
    retention: Retention

    @property
    def root_is_uri(self) -> bool:
        return "://" in self.root


class Backups(_Model):
    policies: list[BackupPolicy] = []


class MappingRule(_Model):
    """A value expected to differ between sites (a zone, an instance profile, a path)."""

    name: str | None = None
    kinds: list[WorkspaceKind] = []
    field: str | None = None
    match: Literal["exact", "prefix"] = "exact"
    values: dict[str, str] = Field(min_length=2)


class SecretProvider(_Model):
    """Where `config sync` reads secret values from: never from the API, never from a snapshot.

    env: variable `<prefix><SCOPE>__<KEY>` (upper-cased, non-alphanumerics as _);
    file: a YAML/JSON file `{scope: {key: value}}`; command: argv with {scope} and {key},
    printing the value on stdout.
    """

    provider: Literal["env", "file", "command"] = "env"
    prefix: str = "STANDBY_SECRET_"
    path: LocalPath | None = None
    command: list[str] | None = None
    timeout: Duration = 30

    @model_validator(mode="after")
    def _complete(self) -> SecretProvider:
        if self.provider == "file" and self.path is None:
            raise PydanticCustomError("secrets", "provider file needs path: the secrets file")
        if self.provider == "command" and not self.command:
            raise PydanticCustomError("secrets", "provider command needs command: [argv, ...]")
        return self

    def env_var(self, scope: str, key: str) -> str:
        return self.prefix + re.sub(r"[^A-Za-z0-9]", "_", f"{scope}__{key}").upper()


class WorkspaceSync(_Model):
    mappings: list[MappingRule] = []
    secrets: SecretProvider = SecretProvider()


class Failover(_Model):
    """How failover and failback behave (the guide's section 5)."""

    fence_grants: bool = False  # revoke MODIFY on protected tables of the fenced site
    validation_job: str | None = None  # a job run in the new primary to validate it
    drain_timeout: Duration = 600  # how long running runs of fenced jobs are waited for
    primary_timeout: Duration = 30  # after which an unanswering primary counts as gone
    validation_timeout: Duration = 1800  # how long the validation job may run


class Contact(_Model):
    """The guide's section 7.2: who to call during an incident."""

    role: str
    responsibility: str = ""
    contact: str


def _engine(value: object) -> object:
    return {"kind": value} if isinstance(value, str) else value


class EngineSettings(_Model):
    """Where copy work runs; `--engine` and `--spark-master` on a command win over these.

    `engine: spark` alone uses the active SparkSession (inside a Databricks job).
    """

    kind: Literal["threads", "spark"] = "threads"
    spark_master: str | None = None


class Config(_Model):
    """The whole of standby.yml, validated and cross-checked."""

    version: Literal[1] = 1
    sites: dict[Name, Site]
    tiers: dict[Name, Tier] = {}
    protected: Protected = Protected()
    backups: Backups = Backups()
    workspace_sync: WorkspaceSync = WorkspaceSync()
    contacts: list[Contact] = []
    engine: Annotated[EngineSettings, BeforeValidator(_engine)] = EngineSettings()
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
