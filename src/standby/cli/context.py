"""The configuration a command runs with: FILE, else --config, else $STANDBY_CONFIG, else
./standby.yml. Loaded only by the commands that need it (pydantic is slow to import)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from standby.cli.output import flags

if TYPE_CHECKING:
    from standby.config import Config


def config_path(file: str | None = None) -> Path:
    """The config file a command uses: `file`, else --config, else $STANDBY_CONFIG, else
    ./standby.yml."""
    from standby.config.load import resolve_config_path  # lazily: see the module docstring

    return resolve_config_path(file or flags().config)


def current_config(file: str | None = None) -> Config:
    """The validated configuration for a command (raises ConfigInvalid, exit 2)."""
    from standby.config.load import load_config  # lazily: see the module docstring

    return load_config(config_path(file))


def optional_config() -> Config | None:
    """The configuration if its file exists (commands that also work without one)."""
    path = config_path()
    return current_config() if path.exists() else None
