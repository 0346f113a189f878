"""standby.yml: the models (sites, tiers, the protected set, backups, workspace sync,
contacts), the location mapping, and loading with errors that name each field and line.

`types` holds the field types, `site` the per-site models, `sections` the other sections,
`models` the whole file, `checks` the checks across fields, `load` the YAML loader.
"""

from __future__ import annotations

from standby.config.checks import ConfigProblems, Problem
from standby.config.load import load_config, resolve_config_path
from standby.config.models import (
    DEFAULT_TIERS,
    WORKSPACE_KINDS,
    BackupPolicy,
    Backups,
    Config,
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
)
from standby.config.site import Dns, Site, Workspace
from standby.config.types import EnvRef, format_duration, parse_duration

__all__ = [
    "DEFAULT_TIERS",
    "WORKSPACE_KINDS",
    "BackupPolicy",
    "Backups",
    "Config",
    "ConfigProblems",
    "Contact",
    "Dns",
    "EngineSettings",
    "EnvRef",
    "Failover",
    "MappingRule",
    "Problem",
    "Protected",
    "ProtectedTable",
    "Retention",
    "SecretProvider",
    "Site",
    "Tier",
    "Workspace",
    "WorkspaceKind",
    "WorkspaceSync",
    "format_duration",
    "load_config",
    "parse_duration",
    "resolve_config_path",
]
