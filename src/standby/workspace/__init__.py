"""Workspace configuration DR (the guide's sections 4.1 and 4.2): export a workspace's
configuration to a snapshot directory, diff two workspaces or snapshots, and sync one into
another by name, with references rewritten to the target's ids.

    ws = open_workspace(config, "primary")
    snapshot = export_workspace(ws, site="primary")
    result = sync(snapshot, open_workspace(config, "dr"), config=config, target_site="dr")
"""

from __future__ import annotations

from standby.workspace.client import SdkWorkspace, SecretValue, Workspace
from standby.workspace.diff import Diff, diff_snapshots
from standby.workspace.export import export_workspace
from standby.workspace.snapshot import Snapshot
from standby.workspace.sync import SyncResult, sync
from standby.workspace.wrappers import connect, open_workspace

__all__ = [
    "Diff",
    "SdkWorkspace",
    "SecretValue",
    "Snapshot",
    "SyncResult",
    "Workspace",
    "connect",
    "diff_snapshots",
    "export_workspace",
    "open_workspace",
    "sync",
]
