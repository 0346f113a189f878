"""`standby plan`: for the current standby.yml, the storage requests a day of following
costs per tier, at list prices per cloud, and the workers the last day's copy volume needs.

Inputs that were measured: the requests per poll and per commit (see prices.py), and the
last day's commits, files and bytes, read from each protected table's log. Inputs that
are assumed: list prices, and a worker's copy rate (measured by `bench/spark_copy.py` on
one machine; give your own with --worker-mib-per-second / --worker-files-per-second).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from standby.capacity.prices import CLOUDS, Requests, commit_requests, poll_requests
from standby.config import Config
from standby.delta import DeltaLog
from standby.delta.actions import parse_actions
from standby.delta.log import commit_path
from standby.delta.timestamps import commit_info_of, timestamp_of
from standby.errors import StandbyError
from standby.storage import open_store, redact

DAY = 86_400
READ_BATCH = 64
MAX_COMMITS = 200_000  # a day of one commit a second, twice over: enough for any table


@dataclass
class Volume:
    """What a table committed in the last day: commits, and the sizes of the files added."""

    commits: int = 0
    sizes: list[int] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(self.sizes)


@dataclass
class TierPlan:
    tier: str
    tables: int
    poll_seconds: float | None  # None: not followed (backups only)
    polls_per_day: float
    commits_per_day: int
    files_per_day: int
    bytes_per_day: int
    requests_per_day: Requests
    list_per_second: float
    cost_usd_per_day: dict[str, float]


@dataclass
class CapacityPlan:
    tiers: list[TierPlan]
    requests_per_day: float
    cost_usd_per_day: dict[str, float]
    bytes_last_day: int
    files_last_day: int
    window_seconds: int
    worker_bytes_per_second: float
    worker_files_per_second: float
    workers: int
    skipped: list[str]


def capacity_plan(
    config: Config,
    *,
    window_seconds: int = 3600,
    worker_bytes_per_second: float = 100 * (1 << 20),
    worker_files_per_second: float = 50.0,
    clock: Callable[[], float] = time.time,
) -> CapacityPlan:
    """The plan for `config`'s protected tables with a location (others are skipped)."""
    since_ms = int((clock() - DAY) * 1000)
    primary = config.site(config.primary)
    by_tier: dict[str, list[Volume]] = {}
    skipped: list[str] = []
    for entry in config.protected.tables:
        if entry.location is None:
            skipped.append(f"{entry.table}: no storage location")
            continue
        options = primary.resolved_storage_options(entry.location) or None
        try:
            volume = last_day(entry.location, options=options, since_ms=since_ms)
        except StandbyError as e:
            skipped.append(f"{redact(entry.location)}: {e.message}")
            continue
        by_tier.setdefault(entry.tier, []).append(volume)
    tiers = [_tier(config, name, volumes) for name, volumes in sorted(by_tier.items())]
    total = Requests()
    for t in tiers:
        total += t.requests_per_day
    files = sum(t.files_per_day for t in tiers)
    size = sum(t.bytes_per_day for t in tiers)
    need = max(size / worker_bytes_per_second, files / worker_files_per_second) / window_seconds
    return CapacityPlan(
        tiers=tiers,
        requests_per_day=round(total.total),
        cost_usd_per_day={c: round(total.cost(c), 4) for c in CLOUDS},
        bytes_last_day=size,
        files_last_day=files,
        window_seconds=window_seconds,
        worker_bytes_per_second=worker_bytes_per_second,
        worker_files_per_second=worker_files_per_second,
        workers=max(1, math.ceil(need)),
        skipped=skipped,
    )


def _tier(config: Config, name: str, volumes: list[Volume]) -> TierPlan:
    poll = config.tier(name).poll
    polls = DAY / poll if poll else 0.0
    requests = poll_requests(polls * len(volumes))
    requests += commit_requests(
        sum(v.commits for v in volumes), [s for v in volumes for s in v.sizes]
    )
    return TierPlan(
        tier=name,
        tables=len(volumes),
        poll_seconds=poll,
        polls_per_day=round(polls * len(volumes)),
        commits_per_day=sum(v.commits for v in volumes),
        files_per_day=sum(len(v.sizes) for v in volumes),
        bytes_per_day=sum(v.bytes for v in volumes),
        requests_per_day=Requests(*(round(x) for x in vars(requests).values())),
        list_per_second=round(2 * len(volumes) / poll, 3) if poll else 0.0,
        cost_usd_per_day={c: round(requests.cost(c), 4) for c in CLOUDS},
    )


def last_day(uri: str, *, options: dict[str, str] | None, since_ms: int) -> Volume:
    """The commits of the table at `uri` timestamped at or after `since_ms`, newest first
    until an older one (timestamps from the log, never from object times)."""
    log = DeltaLog(open_store(uri, options=options))
    versions = sorted(log.list().commits, reverse=True)[:MAX_COMMITS]
    volume = Volume()
    with ThreadPoolExecutor(16) as pool:
        for i in range(0, len(versions), READ_BATCH):
            batch = versions[i : i + READ_BATCH]
            for version, raw in zip(batch, pool.map(log.read_raw, batch), strict=True):
                if raw is None:
                    continue
                ts = timestamp_of(commit_info_of(raw))
                if ts is not None and ts < since_ms:
                    return volume
                volume.commits += 1
                actions = parse_actions(raw, where=commit_path(version))
                volume.sizes += [
                    int(a[kind].get("size") or 0)
                    for a in actions
                    for kind in ("add", "cdc")
                    if kind in a
                ]
    return volume
