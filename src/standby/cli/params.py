"""Parsers of option values that typer does not know: a bad value is a usage error (exit 2)
that names the option, never an exception from the library that would parse it later."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from standby.cli.lazy import lazy_module
from standby.storage.url import is_local, local_path

if TYPE_CHECKING:
    from standby import config
else:  # its pydantic would double the start-up of `table ... --help`
    config = lazy_module("standby.config")


def duration(text: str) -> int:
    """Seconds in `30s`, `15m`, `4h`, `1d`, `2w`, `1h30m` or a number of seconds."""
    try:
        return config.parse_duration(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a duration (write e.g. 30s, 15m, 4h, 1d, 2w)."
        ) from None


def target(text: str) -> str:
    """Where a command writes a table or a snapshot: a local one must be a directory or
    able to become one (a file in the way is a typing mistake, not a storage fault)."""
    if not is_local(text) or not text.strip():
        return text  # remote URIs, and the empty one, are judged where they are opened
    path = Path(local_path(text))
    for place in (path, *path.parents):
        if place.exists():
            if not place.is_dir():
                what = "is a file" if place == path else f"is under the file {place}"
                raise typer.BadParameter(f"{text} {what}; give a directory.")
            return text
    return text
