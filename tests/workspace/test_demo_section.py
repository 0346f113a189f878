"""The demo's workspace section: drift before the sync, none after, nothing on a rerun."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from standby.demo import DemoLakehouse, start_workspaces
from standby.demo.workspace import TOKENS, workspace_section
from standby.workspace.diff import Diff
from standby.workspace.sync import SyncResult


class Recorder:
    def __init__(self) -> None:
        self.shown: list[tuple[str, Any]] = []
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines.append(title)

    def command(self, line: str) -> None:
        self.lines.append(line)

    def show(self, result: Any, kind: str) -> None:
        self.shown.append((kind, result))

    def note(self, text: str) -> None:
        self.lines.append(text)


def test_the_demo_shows_drift_then_none(tmp_path: Path) -> None:
    lake = DemoLakehouse(tmp_path / "demo")
    lake.primary.mkdir(parents=True)
    narrator = Recorder()
    primary, dr = start_workspaces(lake, narrator)
    try:
        workspace_section(lake, primary, dr, narrator)
    finally:
        primary.stop()
        dr.stop()
        for name in TOKENS.values():
            os.environ.pop(name, None)
    diffs = [r for k, r in narrator.shown if k == "config-diff"]
    syncs = [r for k, r in narrator.shown if k == "config-sync"]
    assert [isinstance(d, Diff) and d.equal for d in diffs] == [False, True]
    assert all(o.status == "removed" for o in diffs[0].objects)
    assert isinstance(syncs[0], SyncResult) and not syncs[0].failed
    assert syncs[0].secrets_set and not syncs[0].secrets_unfilled
    assert not syncs[1].changes
    assert any("PAUSED" in line for line in narrator.lines)
    assert (lake.root / "us-east-1/workspace-config/jobs/etl_pipeline.json").is_file()
    assert not any(k.startswith("STANDBY_SECRET_") for k in os.environ)
