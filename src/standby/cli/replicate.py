"""`standby replicate | status | verify | safe-point`: the DR guide's section 3.2, done in
log order, with the lag known and the copy checkable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from standby.cli import params
from standby.cli.engine import EngineOpt, SparkMasterOpt, copy_executor
from standby.cli.lazy import lazy_module
from standby.cli.output import emit, error_console, fmt_bytes, fmt_ms, tail
from standby.cli.progress import copy_progress
from standby.cli.signals import stop_on_signals
from standby.errors import BadInput, Interrupted, Partial, ProblemFound, StandbyError
from standby.replication.pair import Pair
from standby.replication.result import History, TableReplication

if TYPE_CHECKING:
    from standby.cli import context
    from standby.engines import CopyExecutor
    from standby.replication import follow as following
    from standby.replication import plan, table
    from standby.replication import status as status_
    from standby.replication.plan import ConfiguredPairs
    from standby.replication.status import TableStatus
else:  # the Delta stack and pydantic load when a command runs, not for its --help
    context = lazy_module("standby.cli.context")
    following = lazy_module("standby.replication.follow")
    plan = lazy_module("standby.replication.plan")
    table = lazy_module("standby.replication.table")
    status_ = lazy_module("standby.replication.status")

Source = Annotated[
    str | None, typer.Argument(help="Source table URI (omit: every protected table).")
]
Target = Annotated[str | None, typer.Argument(help="Replica URI.", parser=params.target)]
HistoryOpt = Annotated[
    History,
    typer.Option(
        "--history",
        help="checkpoint: seed from the latest checkpoint; all: every commit still in the log.",
    ),
]


def _pairs(
    source: str | None, target: str | None, *, dry_run: bool = False
) -> tuple[list[Pair], int, Callable[[], None] | None]:
    """The pairs to replicate, the epoch, and the fence to check while following."""
    if (source is None) != (target is None):
        raise BadInput("Give both SRC and DST, or neither (to use standby.yml).")
    if source is not None and target is not None:
        return [Pair(source, target)], 0, None
    planned = _configured(dry_run=dry_run)
    return planned.pairs, planned.epoch, planned.fence


def _configured(*, dry_run: bool) -> ConfiguredPairs:
    planned = plan.configured_pairs(context.current_config(), dry_run=dry_run)
    for name in planned.unresolved:
        error_console().print(f"note: {name} has no storage location in standby.yml; skipped")
    if not planned.pairs:
        raise BadInput("standby.yml protects no table with a storage location.")
    return planned


def replicate(
    source: Source = None,
    target: Target = None,
    follow_: Annotated[
        bool, typer.Option("--follow", help="Keep replicating new commits.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between polls.", min=0.05, max=86400)
    ] = 1.0,
    history: HistoryOpt = "checkpoint",
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port", help="Serve Prometheus metrics on 127.0.0.1:PORT.", min=1, max=65535
        ),
    ] = None,
    parallel: Annotated[int, typer.Option("--parallel", help="Tables at once.", min=1, max=64)] = 4,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
) -> None:
    """Replicate tables to the DR site in log order (one pass, or --follow).

    Ctrl-C or SIGTERM stops a pass within a second: no further commit is published, the
    replica stays valid at the version it reached, and the exit code is 130. A follower
    stops the same way, prints its totals and exits 0."""
    pairs, epoch, fence = _pairs(source, target, dry_run=dry_run)
    polls = _polls(pairs) if follow_ and source is None else None
    with stop_on_signals() as stop, copy_executor(engine, spark_master) as executor:
        if follow_:
            _follow(pairs, history, stop, interval, metrics_port, parallel, fence, polls, executor)
            return
        results, errors = _one_pass(pairs, history, stop, epoch, parallel, dry_run, executor)
    interrupted = any(r.interrupted for r in results)  # a signal after the end stops nothing
    doc = {"tables": results, "errors": errors, "interrupted": interrupted}
    emit(doc, lambda c: render_replicate(c, results, errors))
    if interrupted:
        raise Interrupted(
            "Stopped before the end: no commit was published after the signal; each replica "
            "is valid at the version it reached.",
            hint="Run the same command again to carry on from there.",
        )
    if errors:
        raise Partial(f"{len(errors)} of {len(pairs)} table(s) failed; the others are replicated.")


def _one_pass(
    pairs: list[Pair],
    history: History,
    stop: threading.Event,
    epoch: int,
    parallel: int,
    dry_run: bool,
    executor: CopyExecutor,
) -> tuple[list[TableReplication], list[str]]:
    """One pass over every pair, `parallel` at a time: the results, and one line per failure."""
    results: list[TableReplication] = []
    errors: list[str] = []
    with copy_progress("replicating") as progress, ThreadPoolExecutor(parallel) as pool:

        def one(p: Pair) -> TableReplication | StandbyError:
            try:
                return table.replicate_table(
                    p.source,
                    p.target,
                    history=history,
                    executor=executor,
                    progress=progress,
                    epoch=epoch,
                    dry_run=dry_run,
                    source_options=p.source_options,
                    target_options=p.target_options,
                    stop=stop,
                )
            except StandbyError as e:
                if len(pairs) == 1:
                    raise
                return e

        for p, r in zip(pairs, pool.map(one, pairs), strict=True):
            if isinstance(r, StandbyError):
                errors.append(f"{p.source}: {r}")
            else:
                results.append(r)
    return results, errors


@dataclass
class Followed:
    """What following one table did, for the document printed when the follower stops."""

    source: str
    target: str
    passes: int = 0
    commits_published: int = 0
    files_copied: int = 0
    bytes_copied: int = 0
    replica_version: int | None = None
    source_version: int | None = None

    def add(self, r: TableReplication) -> None:
        self.passes += 1
        self.commits_published += r.commits_published
        self.files_copied += r.files_copied
        self.bytes_copied += r.bytes_copied
        self.replica_version, self.source_version = r.to_version, r.source_version


def _follow(
    pairs: list[Pair],
    history: History,
    stop: threading.Event,
    interval: float,
    metrics_port: int | None,
    parallel: int,
    fence: Callable[[], None] | None,
    polls: dict[Pair, float] | None,
    executor: CopyExecutor,
) -> None:
    """Follow each pair at its poll interval (its tier's with standby.yml, else --interval)."""
    if polls is not None:
        pairs = [p for p in pairs if p in polls]
        if not pairs:
            raise BadInput("No protected table is in a tier that is followed (tier3: never).")
    followed = {p: Followed(p.source, p.target) for p in pairs}

    def on_pass(p: Pair, r: TableReplication) -> None:
        followed[p].add(r)
        _print_pass(p, r)

    following.follow(
        pairs,
        interval=interval,
        history=history,
        metrics_port=metrics_port,
        stop=stop,
        parallel=parallel,
        fence=fence,
        on_pass=on_pass,
        polls=polls,
        executor=executor,
    )
    rows = list(followed.values())
    emit({"tables": rows, "stopped": True}, lambda c: render_followed(c, rows))


def _polls(pairs: list[Pair]) -> dict[Pair, float]:
    """Each followed pair's poll interval, its tier's in standby.yml; a tier polled
    `never` is left to backups."""
    from standby.replication.schedule import poll_interval

    config = context.current_config()
    polls = {p: poll_interval(config, p.tier) for p in pairs}
    for p, seconds in polls.items():
        if seconds is None:
            error_console().print(f"note: {p.source} is in a tier that is not followed; skipped")
    return {p: seconds for p, seconds in polls.items() if seconds is not None}


def render_followed(c: Console, rows: list[Followed]) -> None:
    for r in rows:
        c.print(
            f"{r.target}: at version {r.replica_version} after {r.passes} pass(es), "
            f"{r.commits_published} commit(s), {r.files_copied} file(s), "
            f"{fmt_bytes(r.bytes_copied)}",
            soft_wrap=True,
        )


def _print_pass(_: Pair, r: TableReplication) -> None:
    if not r.commits_published:
        return
    error_console().print(
        f"{r.target}: versions {r.from_version}..{r.to_version} "
        f"({r.files_copied} files, {fmt_bytes(r.bytes_copied)}, {r.seconds:.2f}s)"
    )


def render_replicate(c: Console, results: list[TableReplication], errors: list[str]) -> None:
    t = Table(
        title="replicate"
        + (" (dry run: nothing written)" if any(r.dry_run for r in results) else ""),
        title_justify="left",
    )
    t.add_column("replica", overflow="fold")
    for col in ("versions", "commits", "files", "bytes", "seconds"):
        t.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    for r in results:
        span = "-" if r.from_version is None else f"{r.from_version}..{r.to_version}"
        t.add_row(
            tail(r.target),
            span if r.commits_published else f"at {r.to_version}",
            str(r.commits_published),
            str(r.files_copied),
            fmt_bytes(r.bytes_copied),
            f"{r.seconds:.2f}",
        )
    c.print(t)
    for e in errors:
        c.print(f"[red]failed[/]: {e}")


def status(
    source: Source = None,
    target: Target = None,
    rpo: Annotated[
        int | None,
        typer.Option("--rpo", help="RPO target for a pair, e.g. 15m.", parser=params.duration),
    ] = None,
) -> None:
    """Per table: source and replica versions, lag in versions and seconds, RPO met, and
    what is wrong when something is (exit 1; 3 when some tables could not be read)."""
    if (source is None) != (target is None):
        raise BadInput("Give both SRC and DST, or neither (to use standby.yml).")
    drills = None  # in config mode, a line per drill level: last run, result, due
    if source is not None and target is not None:
        rows = status_.statuses([Pair(source, target, rpo)])
    else:
        planned = _configured(dry_run=True)
        rows = status_.statuses(planned.pairs, fenced=planned.fenced(), keep_going=True)
        # drill history loads databricks-sdk (1 s, 60 MB): not for a status of one pair
        from standby.cli.drill import drill_status

        drills = drill_status(context.current_config())
    doc = {"tables": rows} if drills is None else {"tables": rows, "drills": drills}

    def render(c: Console) -> None:
        render_status(c, rows)
        if drills is not None:
            from standby.cli.drill import render_drills

            render_drills(c, drills)

    emit(doc, render)
    unread = [r for r in rows if r.problem == "unreadable"]
    if unread:
        raise Partial(f"{len(unread)} of {len(rows)} table(s) could not be read.")
    bad = [r for r in rows if not r.ok]
    if bad:
        raise ProblemFound(
            f"{len(bad)} replica(s) not ok: "
            + ", ".join(sorted({r.problem or "?" for r in bad}))
            + "."
        )


def render_status(c: Console, rows: list[TableStatus]) -> None:
    t = Table(title="status", title_justify="left")
    t.add_column("table", overflow="fold", min_width=10)
    t.add_column("tier", no_wrap=True)
    for col in ("source", "replica", "behind", "lag s", "RPO s"):
        t.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    t.add_column("ok", no_wrap=True)  # or what is wrong: a key of status.PROBLEMS
    for r in rows:
        t.add_row(
            r.table or tail(r.target),
            r.tier or "-",
            _version(r.source_version),
            _version(r.replica_version),
            str(r.lag_versions),
            f"{r.lag_seconds:.1f}",
            "-" if r.rpo_target_seconds is None else f"{r.rpo_target_seconds:.0f}",
            "[green]yes[/]" if r.ok else f"[red]{r.problem or 'NO'}[/]",
        )
    c.print(t)
    for r in rows:
        if r.detail:
            c.print(f"  {r.table or r.target}: [red]{r.problem}[/]: {r.detail}", soft_wrap=True)


def _version(v: int | None) -> str:
    return "-" if v is None else str(v)


__all__ = ["fmt_ms", "replicate", "status"]
