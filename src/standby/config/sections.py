"""The sections of `standby.yml` below the top level: tiers, the protected set, backup
policies and their retention, workspace sync, failover, contacts and the copy engine; and
the DR guide's default tiers. `models` assembles them into the whole file."""

from __future__ import annotations

import fnmatch
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

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


def engine_setting(value: object) -> object:
    return {"kind": value} if isinstance(value, str) else value


class EngineSettings(_Model):
    """Where copy work runs; `--engine` and `--spark-master` on a command win over these.

    `engine: spark` alone uses the active SparkSession (inside a Databricks job).
    """

    kind: Literal["threads", "spark"] = "threads"
    spark_master: str | None = None
