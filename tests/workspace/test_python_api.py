"""`standby.workspace_export`, `workspace_diff` and `workspace_sync`: configuration DR from
Python, as `standby config export | diff | sync` does it."""

from __future__ import annotations

from pathlib import Path

import standby
from standby.config import Config

KINDS = ["cluster_policies", "instance_pools", "clusters"]  # clusters name the other two


def test_export_diff_and_sync_through_the_library(config: Config, tmp_path: Path) -> None:
    out = tmp_path / "primary-snapshot"
    snapshot = standby.workspace_export(config, "primary", str(out), kinds=KINDS)
    assert snapshot.counts()["clusters"] >= 1 and not snapshot.missing
    assert (out / "manifest.json").is_file()

    before = standby.workspace_diff(str(out), "dr", config, kinds=KINDS)
    assert before.objects and {o.status for o in before.objects} == {"removed"}

    planned = standby.workspace_sync(config, str(out), "dr", kinds=KINDS, dry_run=True)
    assert planned.dry_run and planned.changes
    assert standby.workspace_diff(str(out), "dr", config, kinds=KINDS).objects == before.objects

    synced = standby.workspace_sync(config, str(out), "dr", kinds=KINDS)
    synced.check()
    assert [(a.kind, a.name, a.op) for a in synced.changes] == [
        (a.kind, a.name, a.op) for a in planned.changes
    ]
    assert standby.workspace_diff(str(out), "dr", config, kinds=KINDS).equal
