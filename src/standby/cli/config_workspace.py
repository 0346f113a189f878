"""`standby config export | diff | sync`: workspace configuration DR (the guide's 4.1, 4.2).

Registered on the `config` group by `standby.cli.config`; each command calls one function
of `standby.workspace.sites` and renders its result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from standby.cli.context import current_config, optional_config
from standby.cli.output import emit, error_console, flags
from standby.errors import Partial, ProblemFound
from standby.workspace.diff import Diff
from standby.workspace.export import WORKERS
from standby.workspace.export import Progress as ProgressFn
from standby.workspace.sites import diff_sides, export_site, sync_sites
from standby.workspace.snapshot import Snapshot
from standby.workspace.sync import SyncResult

Kinds = Annotated[
    list[str] | None,
    typer.Option("--kinds", help="Only these kinds (comma-separated or repeated)."),
]
Parallel = Annotated[
    int, typer.Option("--parallel", help="Requests in flight at once.", min=1, max=64)
]


def _kinds(given: list[str] | None) -> list[str] | None:
    return [k for item in given for k in item.split(",") if k.strip()] if given else None


@contextmanager
def work_progress() -> Iterator[ProgressFn]:
    """A progress callback: bars on stderr when it is a terminal and not --json."""
    if flags().json or not sys.stderr.isatty():
        yield lambda what, done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=error_console(), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total or None)
            bar.update(tasks[what], completed=done, total=total or None)

        yield update


def export_cmd(
    site: Annotated[str, typer.Option("--site", help="The site whose workspace to export.")],
    out: Annotated[
        Path, typer.Option("--out", help="The snapshot directory to write.", file_okay=False)
    ],
    kinds: Kinds = None,
    parallel: Parallel = WORKERS,
) -> None:
    """Export a workspace's configuration: one normalised file per object, and a manifest."""
    with work_progress() as progress:
        snapshot = export_site(
            current_config(), site, out, kinds=_kinds(kinds), workers=parallel, progress=progress
        )
    doc = {"out": str(out), **snapshot.manifest()}
    emit(doc, lambda c: render_export(c, snapshot, out))
    if snapshot.missing:
        raise Partial(f"{len(snapshot.missing)} object(s) could not be read; see the manifest.")


def render_export(c: Console, snapshot: Snapshot, out: Path) -> None:
    c.print(f"exported {escape(str(snapshot.workspace))} to {escape(str(out))}", soft_wrap=True)
    t = Table()
    t.add_column("kind")
    t.add_column("objects", justify="right")
    for kind_name, count in snapshot.counts().items():
        t.add_row(kind_name, str(count))
    c.print(t)
    for problem in snapshot.problems:
        c.print(f"[yellow]note[/]: {escape(problem)}", soft_wrap=True)
    for missing in snapshot.missing:
        c.print(f"[red]not exported[/]: {escape(missing)}", soft_wrap=True)


def diff_cmd(
    a: Annotated[str, typer.Argument(help="A site of standby.yml or a snapshot directory.")],
    b: Annotated[str, typer.Argument(help="A site of standby.yml or a snapshot directory.")],
    kinds: Kinds = None,
    parallel: Parallel = WORKERS,
) -> None:
    """What differs between two workspaces or snapshots (exit 1 when they differ)."""
    with work_progress() as progress:
        diff = diff_sides(
            a, b, optional_config(), kinds=_kinds(kinds), workers=parallel, progress=progress
        )
    emit(diff_document(diff), lambda c: render_diff(c, diff))
    if not diff.equal:
        raise ProblemFound(f"{diff.a} and {diff.b} differ: {_counted(diff)}.")


def diff_document(diff: Diff) -> dict[str, Any]:
    return {"equal": diff.equal, "a": diff.a, "b": diff.b, "counts": diff.counts(), **vars(diff)}


def _short(value: Any, width: int = 48) -> str:
    text = "-" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def render_diff(c: Console, diff: Diff) -> None:
    for note in diff.notes:
        c.print(f"[yellow]note[/]: {escape(note)}", soft_wrap=True)
    if diff.equal:
        c.print(f"[green]no differences[/] between {escape(diff.a)} and {escape(diff.b)}.")
        return
    only = {"removed": f"only in {diff.a}", "added": f"only in {diff.b}"}
    names: dict[tuple[str, str], list[str]] = {}
    for o in diff.objects:
        if o.status in only:
            names.setdefault((o.kind, o.status), []).append(o.name)
    if names:
        t = Table(title="objects on one side only", title_justify="left")
        for col in ("kind", only["removed"], only["added"]):
            t.add_column(escape(col), overflow="fold")
        for kind_name in dict.fromkeys(k for k, _ in names):
            sides = (", ".join(names.get((kind_name, s), [])) for s in only)
            t.add_row(kind_name, *(escape(side) for side in sides))
        c.print(t)
    changed = [o for o in diff.objects if o.status == "changed"]
    if changed:
        t = Table(title="changed objects", title_justify="left")
        for col in ("kind", "name", "field", diff.a, diff.b):
            t.add_column(escape(col), overflow="fold")
        for o in changed:
            for i, f in enumerate(o.fields):
                lead = ("", "") if i else (o.kind, escape(o.name))
                t.add_row(*lead, escape(f.path), escape(_short(f.old)), escape(_short(f.new)))
        c.print(t)
    c.print(f"{_counted(diff)}.", soft_wrap=True)


def _counted(diff: Diff) -> str:
    counts = diff.counts()
    return (
        f"{counts['removed']} only in {diff.a}, {counts['added']} only in {diff.b}, "
        f"{counts['changed']} changed"
    )


def sync_cmd(
    source: Annotated[
        str, typer.Option("--from", help="The source: a site, or a snapshot directory.")
    ],
    target: Annotated[str, typer.Option("--to", help="The site whose workspace to change.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Delete target objects the source does not have.")
    ] = False,
    refresh_secrets: Annotated[
        bool, typer.Option("--refresh-secrets", help="Set every secret, not only missing ones.")
    ] = False,
    include_bundle_jobs: Annotated[
        bool,
        typer.Option(
            "--include-bundle-jobs",
            help="Also sync jobs that Asset Bundles deployed (left to their bundle by default).",
        ),
    ] = False,
    kinds: Kinds = None,
    parallel: Parallel = WORKERS,
) -> None:
    """Create or update the target's objects by name, in dependency order (idempotent)."""
    with work_progress() as progress:
        result = sync_sites(
            current_config(),
            source,
            target,
            kinds=_kinds(kinds),
            dry_run=dry_run,
            prune=prune,
            refresh_secrets=refresh_secrets,
            include_bundle_jobs=include_bundle_jobs,
            workers=parallel,
            progress=progress,
        )
    emit(sync_document(result), lambda c: render_sync(c, result))
    result.check()


def sync_document(result: SyncResult) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for a in result.actions:
        key = a.op if a.status != "failed" else "failed"
        counts[key] = counts.get(key, 0) + 1
    return {**vars(result), "counts": counts, "missing": result.missing()}


def render_sync(c: Console, result: SyncResult) -> None:
    title = f"sync {result.source} -> {result.target}"
    title += " (dry run: nothing changed)" if result.dry_run else ""
    changes = result.changes
    if changes:
        t = Table(title=title, title_justify="left")
        for col in ("action", "kind", "name", "fields", "status"):
            t.add_column(col, overflow="fold")
        for a in changes:
            fields = ", ".join(f.path for f in a.fields[:6])
            fields += f" (+{len(a.fields) - 6})" if len(a.fields) > 6 else ""
            status = (
                f"[red]failed[/]: {escape(a.error or '')}" if a.status == "failed" else a.status
            )
            t.add_row(a.op, a.kind, escape(a.name), escape(fields), status)
        c.print(t)
    unchanged = len(result.actions) - len(changes)
    if not changes:
        c.print(
            f"[green]no changes[/]: {title}: {unchanged} object(s) already match.", soft_wrap=True
        )
    elif result.dry_run:
        c.print(f"would make {len(changes)} change(s); {unchanged} object(s) already match.")
    else:
        c.print(f"{len(changes)} change(s), {unchanged} object(s) already matched.")
    verb = "secrets that would be set" if result.dry_run else "secrets set"
    if result.secrets_set:
        c.print(f"{verb}: {escape(', '.join(result.secrets_set))}", soft_wrap=True)
    for key in result.secrets_unfilled:
        c.print(f"[yellow]secret not filled[/]: {escape(key)}", soft_wrap=True)
    if result.left_alone:
        c.print(
            f"left alone: {escape(', '.join(result.left_alone))}: deployed by Databricks "
            "Asset Bundles, which own them (deploy the bundle to this workspace, or pass "
            "--include-bundle-jobs).",
            soft_wrap=True,
        )


# How the demo's narrator shows these results.
RENDERERS: dict[str, Callable[[Console, Any], None]] = {
    "config-export": lambda c, r: render_export(c, *r),
    "config-diff": render_diff,
    "config-sync": render_sync,
}
