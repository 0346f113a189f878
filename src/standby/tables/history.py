"""DESCRIBE HISTORY, and turning a version or a time into a version the log can rebuild."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from standby.delta import DeltaLog
from standby.delta.log import LogListing, open_log, reconstructable
from standby.delta.timestamps import (
    commit_info_of,
    format_ms,
    monotonic,
    parse_time,
    timestamp_of,
    version_at,
)
from standby.errors import BadInput, TimestampOutOfRange, VersionNotFound
from standby.storage import ObjectStore, as_store, is_local, redact

READ_WORKERS = 32


@dataclass
class HistoryEntry:
    """One retained commit, as DESCRIBE HISTORY shows it; timestamp in ms from the log."""

    version: int
    timestamp: int | None
    operation: str | None
    operation_parameters: dict[str, Any] = field(default_factory=dict)
    operation_metrics: dict[str, Any] = field(default_factory=dict)
    user_name: str | None = None
    engine_info: str | None = None
    read_version: int | None = None
    is_blind_append: bool | None = None


def history(
    table: str | ObjectStore,
    *,
    limit: int | None = None,
    storage_options: Mapping[str, str] | None = None,
) -> list[HistoryEntry]:
    """The table's retained commits, newest first, as DESCRIBE HISTORY shows them.

    Reads only. Timestamps come from the log (`inCommitTimestamp`, else
    `commitInfo.timestamp`), never from object modification times.

    Args:
        table: The table's URI, or a store opened at its root.
        limit: At most this many commits (the newest).
        storage_options: Options for opening a URI (credentials, endpoint).

    Returns:
        One entry per commit the log still holds.

    Raises:
        TableNotFound: No Delta log at the location.
        BadInput: A limit below 1, or a URI standby does not take.
        Unreachable: The storage cannot be reached.
    """
    if limit is not None and limit < 1:
        raise BadInput(f"--limit must be a positive number, not {limit}.")
    log, listing = open_log(as_store(table, options=storage_options))
    versions = sorted(listing.commits, reverse=True)[:limit]
    infos = read_infos(log, versions)
    return [_entry(v, infos[v]) for v in versions]


def read_infos(log: DeltaLog, versions: list[int]) -> dict[int, dict[str, Any]]:
    """The commitInfo of each version, read in parallel (commits are small and many)."""

    def one(v: int) -> tuple[int, dict[str, Any]]:
        raw = log.read_raw(v)
        return v, commit_info_of(raw) if raw is not None else {}

    if len(versions) <= 4 or is_local(log.url):  # local reads are cheaper than a thread hop
        return dict(one(v) for v in versions)
    with ThreadPoolExecutor(READ_WORKERS) as pool:
        return dict(pool.map(one, versions))


def _entry(version: int, info: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        version=version,
        timestamp=timestamp_of(info),
        operation=info.get("operation"),
        operation_parameters=info.get("operationParameters") or {},
        operation_metrics=info.get("operationMetrics") or {},
        user_name=info.get("userName"),
        engine_info=info.get("engineInfo"),
        read_version=info.get("readVersion"),
        is_blind_append=info.get("isBlindAppend"),
    )


def resolve_version(
    log: DeltaLog,
    listing: LogListing,
    *,
    version: int | None = None,
    timestamp: str | None = None,
) -> int:
    """The version asked for by number or time (latest when neither), checked to exist."""
    if version is not None and timestamp is not None:
        raise BadInput("Give either a version or a timestamp, not both.")
    span = reconstructable(listing)
    if span is None:
        raise VersionNotFound(f"The log of {redact(log.url)} cannot rebuild any version.")
    if timestamp is not None:
        at = parse_time(timestamp)
        versions = sorted(v for v in listing.commits if v >= span[0])
        infos = read_infos(log, versions)
        stamps = [(v, timestamp_of(infos[v])) for v in versions]
        _refuse_after_latest(stamps, at, table=redact(log.url))
        return version_at(stamps, at, table=redact(log.url))
    if version is None:
        return span[1]
    if not span[0] <= version <= span[1]:
        raise VersionNotFound(
            f"Version {version} of {redact(log.url)} does not exist; the log can rebuild "
            f"versions {span[0]} to {span[1]}.",
            hint="Run `standby table history` to see the versions that exist.",
        )
    return version


def _refuse_after_latest(stamps: list[tuple[int, int | None]], at: int, *, table: str) -> None:
    """A time after the latest commit names no version yet (Databricks refuses it too:
    "The provided timestamp is after the latest version available to this table")."""
    series = monotonic(stamps)
    if series and at > series[-1][1]:
        version, latest = series[-1]
        raise TimestampOutOfRange(
            f"{format_ms(at)} is after the latest commit of {table} "
            f"(version {version} at {format_ms(latest)}).",
            hint="Pick a time at or before it, or a version from `standby table history`.",
        )
