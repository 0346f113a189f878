"""Parsers of option values that typer does not know: a bad value is a usage error (exit 2)
that names the option, never an exception from the library that would parse it later."""

from __future__ import annotations

import zoneinfo

import typer

from standby.config.types import parse_duration


def duration(text: str) -> int:
    """Seconds in `30s`, `15m`, `4h`, `1d`, `2w`, `1h30m` or a number of seconds."""
    try:
        return parse_duration(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a duration (write e.g. 30s, 15m, 4h, 1d, 2w)."
        ) from None


def timezone(text: str) -> str:
    """An IANA time zone name, as Databricks job schedules and cron's CRON_TZ take it."""
    try:
        zoneinfo.ZoneInfo(text)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise typer.BadParameter(f"{text!r} is not a time zone (e.g. UTC, Europe/Paris).") from None
    return text
