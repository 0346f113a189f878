"""`replicate --follow`: poll each source log and replicate new commits as they appear,
serving Prometheus metrics. Each table keeps its state in memory, so a quiet poll costs
two listings (source and replica logs, from the replica's version) and nothing else
(and a write of the state every watch.SEEN_REFRESH_SECONDS).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from standby.engines import CopyExecutor
from standby.errors import BadInput, Partial, Refused, StandbyError
from standby.replication.pair import Pair
from standby.replication.replicator import Replicator
from standby.replication.result import History, TableReplication
from standby.replication.schedule import PollClock, run_polls

log = logging.getLogger(__name__)


class Metrics:
    """Prometheus metrics per table, labelled (table, tier); every series exists from the
    start at 0, so a dashboard and an alert see a table before its first pass."""

    def __init__(self, pairs: Sequence[Pair] = ()) -> None:
        self.registry = CollectorRegistry()
        labels = ["table", "tier"]
        r = self.registry
        self.source_version = Gauge(
            "standby_source_version", "Source version seen", labels, registry=r
        )
        self.replica_version = Gauge(
            "standby_replica_version", "Replica version", labels, registry=r
        )
        self.lag_versions = Gauge("standby_lag_versions", "Versions behind", labels, registry=r)
        self.lag_seconds = Gauge(
            "standby_lag_seconds",
            "Age of the oldest source commit not replicated yet (0 when caught up)",
            labels,
            registry=r,
        )
        self.bytes = Counter("standby_bytes_copied", "Bytes copied", labels, registry=r)
        self.files = Counter("standby_files_copied", "Files copied", labels, registry=r)
        self.errors = Counter("standby_errors", "Failed passes", labels, registry=r)
        self.last_success = Gauge(
            "standby_last_success_timestamp_seconds",
            "Unix time of the last successful pass",
            labels,
            registry=r,
        )
        for pair in pairs:
            for metric in self._all():
                metric.labels(*pair.labels())

    def _all(self) -> list[Gauge | Counter]:
        return [
            self.source_version,
            self.replica_version,
            self.lag_versions,
            self.lag_seconds,
            self.bytes,
            self.files,
            self.errors,
            self.last_success,
        ]

    def record(
        self, pair: Pair, result: TableReplication, pending_since_ms: int | None, now: float
    ) -> None:
        """A successful pass: the lag is 0 when it caught up with what it saw, else the
        age of the oldest commit it lacked when it began (an upper bound)."""
        labels = pair.labels()
        replica = result.to_version if result.to_version is not None else -1
        source = result.source_version if result.source_version is not None else replica
        self.replica_version.labels(*labels).set(replica)
        self.source_version.labels(*labels).set(source)
        self.lag_versions.labels(*labels).set(max(0, source - replica))
        if source <= replica:
            self.lag_seconds.labels(*labels).set(0)
        elif pending_since_ms is not None:
            self.lag_seconds.labels(*labels).set(max(0.0, now - pending_since_ms / 1000))
        self.bytes.labels(*labels).inc(result.bytes_copied)
        self.files.labels(*labels).inc(result.files_copied)
        self.last_success.labels(*labels).set(now)

    def failed(self, pair: Pair, pending_since_ms: int | None, now: float) -> None:
        """A failed pass: counted; the lag grows from the oldest commit it could not copy."""
        self.errors.labels(*pair.labels()).inc()
        if pending_since_ms is not None:
            self.lag_seconds.labels(*pair.labels()).set(max(0.0, now - pending_since_ms / 1000))


def serve_metrics(metrics: Metrics, port: int) -> None:
    """Serve `metrics` on 127.0.0.1:`port` (BadInput when the port cannot be had)."""
    try:
        start_http_server(port, addr="127.0.0.1", registry=metrics.registry)
    except (OSError, OverflowError) as e:
        raise BadInput(
            f"Cannot serve metrics on 127.0.0.1:{port}: {getattr(e, 'strerror', None) or e}.",
            hint="Choose a free port with --metrics-port.",
        ) from None


def follow(
    pairs: Sequence[Pair],
    *,
    interval: float = 1.0,
    history: History = "checkpoint",
    metrics_port: int | None = None,
    stop: threading.Event | None = None,
    parallel: int = 4,
    on_pass: Callable[[Pair, TableReplication], None] | None = None,
    fence: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.time,
    metrics: Metrics | None = None,
    polls: Mapping[Pair, float] | None = None,
    executor: CopyExecutor | None = None,
    poll_clock: PollClock | None = None,
) -> Metrics:
    """Replicate until `stop` is set, each pair every `polls[pair]` seconds (its tier's;
    default `interval`), at most `parallel` passes at once. A table that is refused
    (diverged, another source, promoted, bad input) stops being followed; other failures
    (a source gone, a store unreachable) are counted and retried next poll. `fence` runs
    before passes (at most every `interval`) and stops everything when it raises (the
    sites changed roles)."""
    stop = stop or threading.Event()
    for pair in pairs:
        pair.refuse_overlap()
    metrics = metrics or Metrics(pairs)
    if metrics_port is not None:
        serve_metrics(metrics, metrics_port)
    replicators = {
        p: Replicator(*p.stores(), history=history, clock=clock, stop=stop, executor=executor)
        for p in pairs
    }
    refused: list[StandbyError] = []
    one = _pass_of(replicators, metrics, refused, clock=clock, on_pass=on_pass)
    intervals = {p: (polls or {}).get(p, interval) for p in pairs}
    with short_gil_switch():
        run_polls(
            intervals,
            one,
            workers=max(1, min(parallel, len(pairs))),
            stop=stop,
            clock=poll_clock,
            before=fence,
            before_every=interval,
        )
    _raise_refusals(refused, len(pairs))
    return metrics


# A pass is short bursts of Python between storage calls. At the default 5 ms GIL switch
# interval, each call's return can wait 5 ms behind another pass (a convoy): with 8 passes
# in flight bench.follow_scale measured 242 ms a publishing pass (3.5 ms alone), and 38 ms
# at 0.5 ms.
GIL_SWITCH_SECONDS = 0.0005


@contextmanager
def short_gil_switch() -> Iterator[None]:
    """The interpreter's thread switch interval at most GIL_SWITCH_SECONDS, then as it was."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, GIL_SWITCH_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _pass_of(
    replicators: Mapping[Pair, Replicator],
    metrics: Metrics,
    refused: list[StandbyError],
    *,
    clock: Callable[[], float],
    on_pass: Callable[[Pair, TableReplication], None] | None,
) -> Callable[[Pair], bool]:
    """One pass over a pair, recorded in `metrics`; False when the table is no longer
    followed (its refusal appended to `refused`)."""

    def one(pair: Pair) -> bool:
        try:
            result = replicators[pair].run()
        except (Refused, BadInput) as e:
            log.error("stopped following %s: %s", pair.source, e)
            metrics.failed(pair, None, clock())
            refused.append(e)
            return False
        except StandbyError as e:
            log.warning("pass over %s failed, retrying: %s", pair.source, e)
            metrics.failed(pair, replicators[pair].watch.pending_since_ms, clock())
            return True
        metrics.record(pair, result, replicators[pair].watch.pending_since_ms, clock())
        if on_pass:
            on_pass(pair, result)
        return True

    return one


def _raise_refusals(refused: list[StandbyError], total: int) -> None:
    if refused and len(refused) == total:  # nothing left to follow: the refusal is the outcome
        if len(refused) == 1:
            raise refused[0]
        raise Refused(
            f"Every table stopped being followed; the first: {refused[0].message}",
            hint="See the errors above, one per table.",
        )
    if refused:
        raise Partial(f"{len(refused)} of {total} table(s) stopped being followed.")
