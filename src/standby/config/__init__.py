"""standby.yml: the models (sites, tiers, the protected set, backups, workspace sync,
contacts), the location mapping, and loading with errors that name each field and line.

`types` holds the field types, `site` the per-site models, `sections` the other sections,
`models` the whole file, `checks` the checks across fields, `load` the YAML loader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from standby._lazy import lazy_names, submodule_names

if TYPE_CHECKING:
    from standby.config.checks import ConfigProblems, Problem
    from standby.config.load import load_config
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
    from standby.config.path import resolve_config_path
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
# pydantic and the models load on first use: finding standby.yml must not cost 0.1 s.
lazy_names(
    __name__,
    submodule_names(
        __name__,
        {
            "DEFAULT_TIERS": "models",
            "WORKSPACE_KINDS": "models",
            "BackupPolicy": "models",
            "Backups": "models",
            "Config": "models",
            "ConfigProblems": "checks",
            "Contact": "models",
            "Dns": "site",
            "EngineSettings": "models",
            "EnvRef": "types",
            "Failover": "models",
            "MappingRule": "models",
            "Problem": "checks",
            "Protected": "models",
            "ProtectedTable": "models",
            "Retention": "models",
            "SecretProvider": "models",
            "Site": "site",
            "Tier": "models",
            "Workspace": "site",
            "WorkspaceKind": "models",
            "WorkspaceSync": "models",
            "format_duration": "types",
            "load_config": "load",
            "parse_duration": "types",
            "resolve_config_path": "path",
        },
    ),
)
