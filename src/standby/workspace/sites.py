"""The commands' entry points, in standby.yml's terms: export a site to a directory, diff
two sides (each a site or a snapshot directory), sync one site into another.
"""

from __future__ import annotations

import os
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
    out: str | os.PathLike[str],
    *,
    kinds: Iterable[str] | None = None,
    workers: int = WORKERS,
    progress: Progress = no_progress,
) -> Snapshot:
    """Export a site's workspace configuration into a snapshot directory (the guide's 4.1).

    Reads the workspace only. One normalised file per object, ids replaced by names, and a
    manifest; secret values are never written (only the scopes and keys).

    Args:
        config: The loaded standby.yml.
        site: The site whose workspace to export.
        out: The snapshot directory to write.
        kinds: Only these kinds (jobs, clusters, ...; every kind by default).
        workers: Requests in flight at once.
        progress: Called with (what, done, total) as objects are read.

    Returns:
        The snapshot; objects that could not be read are listed in its `missing`.

    Raises:
        BadInput: An unknown site, or one without a workspace.
        Unreachable: The workspace cannot be reached.
    """
    snapshot = export_workspace(
        open_workspace(config, site), kinds, site=site, workers=workers, progress=progress
    )
    write(snapshot, Path(out))
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
    """What differs between two workspaces' configurations, seen from `b`'s site.

    Reads only. Each side is a site of standby.yml (exported now) or a snapshot directory;
    names and locations are mapped from `a`'s site to `b`'s by standby.yml's rules first.

    Args:
        a: A site of standby.yml or a snapshot directory.
        b: A site of standby.yml or a snapshot directory.
        config: The loaded standby.yml (None: two snapshot directories, no mapping rules).
        kinds: Only these kinds (every kind by default).
        workers: Requests in flight at once.
        progress: Called with (what, done, total) as objects are read.

    Returns:
        The differences: `equal` when there are none.

    Raises:
        BadInput: A side is neither a snapshot directory nor a site.
        Unreachable: A workspace cannot be reached.
    """
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
    """Make the workspace of site `target` match `source` (the guide's 4.2): objects are
    created or updated by name, in dependency order, with references rewritten to the
    target's ids; idempotent, so a rerun after a failure picks up where it stopped.

    Jobs arrive paused (the standby's copies must not run); jobs that Asset Bundles deploy
    are left to their bundle; secrets are filled from standby.yml's secret source.

    Args:
        config: The loaded standby.yml.
        source: A site of standby.yml, or a snapshot directory.
        target: The site whose workspace to change.
        kinds: Only these kinds (default: those standby.yml protects).
        dry_run: Plan every write; make none.
        prune: Also delete the target's objects the source lacks.
        refresh_secrets: Set every secret, not only missing ones.
        include_bundle_jobs: Also sync jobs deployed by Asset Bundles.
        workers: Requests in flight at once.
        progress: Called with (what, done, total) as objects are read and written.

    Returns:
        Every action with its status; `check()` raises Partial when one failed.

    Raises:
        BadInput: An unknown site, or `source` equal to `target`.
        Refused: `prune` with a source snapshot that is incomplete.
        Unreachable: A workspace cannot be reached (the message lists what is not done).
    """
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
