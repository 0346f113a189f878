"""The configuration a command runs with: FILE, else --config, else $STANDBY_CONFIG, else
./standby.yml. Loaded only by the commands that need it (pydantic is slow to import)."""

from __future__ import annotations

import threading
from collections.abc import Callable
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


def site_storage_options() -> Callable[[str], dict[str, str] | None]:
    """Each remote URL's storage options: those of its site in standby.yml (config mode),
    the file read on the first remote URL only (a command on local paths never reads it)."""
    chosen = flags().config  # read now: worker threads do not see the command's flags
    lock = threading.Lock()
    loaded: list[Config | None] = []

    def options_for(url: str) -> dict[str, str] | None:
        with lock:
            if not loaded:
                from standby.config.load import load_config, resolve_config_path

                path = resolve_config_path(chosen)
                loaded.append(load_config(path) if path.exists() else None)
        config = loaded[0]
        return config.storage_options_for(url) if config is not None else None

    return options_for
