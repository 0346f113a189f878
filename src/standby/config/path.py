"""Where standby.yml is: a question every command asks, answered without loading pydantic."""

from __future__ import annotations

import os
from pathlib import Path


def resolve_config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the config is: `explicit` (--config), else $STANDBY_CONFIG, else ./standby.yml."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("STANDBY_CONFIG") or "standby.yml")
