"""The commands' entry points, in standby.yml's terms: export a site to a directory, diff
two sides (each a site or a snapshot directory), sync one site into another.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from standby.config import Config
from standby.errors import BadInput
from standby.workspace.diff import Diff, diff_snapshots
from standby.workspace.export import WORKERS, Progress, export_workspace, no_progress
from standby.workspace.kinds import select
from standby.workspace.secrets import secret_source
from standby.workspace.snapshot import Snapshot, is_snapshot_dir, read, write
from standby.workspace.sync import SyncResult, sync
from standby.workspace.wrappers import open_workspace


def export_site(
    config: Config,
    site: str,
    out: Path,
    *,
    kinds: Iterable[str] | None = None,
    workers: int = WORKERS,
    progress: Progress = no_progress,
) -> Snapshot:
    """Export a site's workspace configuration into the snapshot directory `out`."""
    snapshot = export_workspace(
        open_workspace(config, site), kinds, site=site, workers=workers, progress=progress
    )
    write(snapshot, out)
    return snapshot


def load_side(
    side: str,
    config: Config | None,
    *,
    kinds: Iterable[str] | None = None,
    workers: int = WORKERS,
    progress: Progress = no_progress,
) -> Snapshot:
    """A snapshot directory as written, or a site of standby.yml exported now."""
    path = Path(side)
    if path.is_dir() and is_snapshot_dir(path):
        return read(path)
    if config is not None and side in config.sites:
        ws = open_workspace(config, side)
        return export_workspace(ws, kinds, site=side, workers=workers, progress=progress)
    sites = ", ".join(config.sites) if config is not None else "none: no standby.yml"
    raise BadInput(
        f"{side!r} is neither a snapshot directory nor a site of standby.yml (sites: {sites}).",
        hint="Give a directory written by `standby config export`, or a site name.",
    )


def diff_sides(
    a: str,
    b: str,
    config: Config | None,
    *,
    kinds: Iterable[str] | None = None,
    workers: int = WORKERS,
    progress: Progress = no_progress,
) -> Diff:
    """What differs between side `a` and side `b` (sites or snapshot directories)."""
    left = load_side(a, config, kinds=kinds, workers=workers, progress=progress)
    right = load_side(b, config, kinds=kinds, workers=workers, progress=progress)
    return diff_snapshots(left, right, config=config, kinds=kinds, a_label=a, b_label=b)


def sync_sites(
    config: Config,
    source: str,
    target: str,
    *,
    kinds: Iterable[str] | None = None,
    dry_run: bool = False,
    prune: bool = False,
    refresh_secrets: bool = False,
    include_bundle_jobs: bool = False,
    workers: int = WORKERS,
    progress: Progress = no_progress,
) -> SyncResult:
    """Sync the configuration of `source` (a site, or a snapshot directory) into the
    workspace of site `target`: the kinds asked for, else those standby.yml protects."""
    config.site(target)
    if source == target:
        raise BadInput(f"--from and --to are both {source!r}; a site cannot sync into itself.")
    chosen = select(kinds) if kinds else list(config.protected.workspace_kinds)
    snapshot = load_side(source, config, kinds=chosen, workers=workers, progress=progress)
    return sync(
        snapshot,
        open_workspace(config, target),
        config=config,
        target_site=target,
        kinds=chosen,
        prune=prune,
        secrets=secret_source(config.workspace_sync.secrets),
        refresh_secrets=refresh_secrets,
        dry_run=dry_run,
        include_bundle_jobs=include_bundle_jobs,
        workers=workers,
        progress=progress,
    )
