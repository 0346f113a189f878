"""The configuration a command runs with: FILE, else --config, else $STANDBY_CONFIG, else
./standby.yml. Only the modules of commands that use a configuration import this one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from standby.cli.output import flags
from standby.config.path import resolve_config_path

if TYPE_CHECKING:
    from standby.config import Config


def config_path(file: str | None = None) -> Path:
    """The config file a command uses: `file`, else --config, else $STANDBY_CONFIG, else
    ./standby.yml."""
    return resolve_config_path(file or flags().config)


def current_config(file: str | None = None) -> Config:
    """The validated configuration for a command (raises ConfigInvalid, exit 2)."""
    from standby.config.load import load_config  # pydantic: only where a file is read

    return load_config(config_path(file))


def optional_config() -> Config | None:
    """The configuration if its file exists (commands that also work without one)."""
    path = config_path()
    return current_config() if path.exists() else None
