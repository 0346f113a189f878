"""Config mode for storage: each remote URL a command opens gets the storage_options of
its site in standby.yml. The file is read on the first remote URL only, so a command on
local paths (or --help) never loads it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from standby.cli.lazy import lazy_module
from standby.cli.output import flags

if TYPE_CHECKING:
    from standby import config as config_lib
    from standby.config import Config
else:  # pydantic loads with the first remote URL, not with every command
    config_lib = lazy_module("standby.config")


def site_storage_options() -> Callable[[str], dict[str, str] | None]:
    """A resolver for `standby.site_options.options_by_url`: a URL's site's options, read
    from the command's standby.yml (None where there is none, or no site holds the URL)."""
    chosen = flags().config  # read now: worker threads do not see the command's flags
    lock = threading.Lock()
    loaded: list[Config | None] = []

    def options_for(url: str) -> dict[str, str] | None:
        with lock:
            if not loaded:
                path = config_lib.resolve_config_path(chosen)
                loaded.append(config_lib.load_config(path) if path.exists() else None)
        config = loaded[0]
        return config.storage_options_for(url) if config is not None else None

    return options_for
