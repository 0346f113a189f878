"""standby.yml files for backup tests: two local sites and backup policies on any root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from standby.config import Config, load_config


def policy(
    name: str, tables: list[str], *, kind: str = "deep", root: str = "backup", **retention: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "tables": tables,
        "root": root,
        "kind": kind,
        "retention": retention or {"keep_last": 3},
    }


def write_config(
    directory: Path,
    backup_root: str,
    policies: list[dict[str, Any]],
    *,
    protected: list[dict[str, Any]] | None = None,
) -> Path:
    """A standby.yml whose DR site has `backup_root` as its storage root `backup`."""
    data = {
        "sites": {
            "primary": {"role": "primary", "storage": {"lake": str(directory / "lake")}},
            "dr": {
                "role": "dr",
                "storage": {"lake": str(directory / "dr-lake"), "backup": backup_root},
            },
        },
        "protected": {"tables": protected or []},
        "backups": {"policies": policies},
    }
    path = directory / "standby.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def config_for(
    directory: Path, backup_root: str, policies: list[dict[str, Any]], **kw: Any
) -> Config:
    return load_config(write_config(directory, backup_root, policies, **kw))
