"""Acceptance 5 of the drills issue: the runbook is made from standby.yml and live state,
and its commands are real: every `standby ...` line of the generated Markdown runs, with
`--dry-run` when it changes something, and exits 0 against this configuration (failback's
section after a real failover, as its "when" says)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from standby.cli import main
from tests.drill.conftest import DrillLake
from tests.failover.lakehouse import TABLES

CONTACTS = [
    {"role": "DR Lead", "responsibility": "Coordinates DR activities", "contact": "dr@x.test"},
    {"role": "Platform Team", "responsibility": "Databricks operations", "contact": "p@x.test"},
]
# Commands that change something: the runbook's are run with --dry-run.
CHANGING = {
    "failover",
    "failback",
    "reprotect",
    "replicate",
    "drill",
    "table restore",
    "backup restore",
    "backup run",
    "backup prune",
    "config sync",
}
READ_ONLY = {"drill history", "drill schedule"}


def commands(markdown: str) -> list[list[str]]:
    """The argv (after `standby`) of every command line in the Markdown's code blocks."""
    blocks = re.findall(r"```\n(.*?)```", markdown, flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("standby ")]


def _dry(argv: list[str]) -> list[str]:
    words = [w for w in argv[2:] if not w.startswith("-")][:2]  # after --config FILE
    group, pair = words[0], " ".join(words)
    if pair in READ_ONLY or (group not in CHANGING and pair not in CHANGING):
        return argv
    return argv if "--dry-run" in argv else [*argv, "--dry-run"]


def _run(argv: list[str], drill_lake: DrillLake, capsys: pytest.CaptureFixture[str]) -> str:
    """Run one runbook command (dry when it changes something), assert exit 0, name it."""
    assert argv[:2] == ["--config", str(drill_lake.config_path)], argv
    args = _dry(argv)
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, (args, captured.err[-2000:])
    return " ".join(w for w in args[2:] if not w.startswith(("-", "/", "file:")))


def test_every_runbook_command_runs(
    drill_lake: DrillLake, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    drill_lake.edit(lambda d: d.update(contacts=CONTACTS))
    code, report = drill_lake.drill("--level", "full", capsys=capsys)
    assert code == 0, report
    out = tmp_path / "RUNBOOK.md"
    code, _, err = drill_lake.cli("runbook", "--out", str(out), capsys=capsys)
    assert code == 0, err
    text = out.read_text()

    for contact in CONTACTS:
        assert f"| {contact['role']} | {contact['responsibility']} | {contact['contact']} |" in text
    assert "| primary | primary | - |" in text and "lake: primary at epoch 1" in text
    assert "lake: replica at epoch 1" in text
    assert f"{report['rto_seconds']:.2f} s ({report['drill_id']})" in text  # last measured RTO
    assert "| tier1 (Hot standby, real-time replication) | 15m |" in text
    for name in TABLES:
        assert f"| {name} |" in text
    assert "dr: `nightly_report` is PAUSED, the primary's recorded state UNPAUSED" in text
    assert "`databricks.company.test` -> `dr-workspace.company.test` by route53" in text
    for title in (
        "Restore a table to a point in time",
        "Regional outage",
        "Planned switchover",
        "Failback",
        "Verify backups",
        "Run a drill",
    ):
        assert title in text

    found = commands(text)
    assert len(found) >= 25
    # Failback's section applies after a failover: before one it is refused (exit 5).
    after_failover = [argv for argv in found if "failback" in argv]
    ran = set()
    for argv in [a for a in found if a not in after_failover]:
        ran.add(_run(argv, drill_lake, capsys))
    code, _, err = drill_lake.cli("failback", "--dry-run", capsys=capsys)
    assert code == 5 and "after a failover" in err, err
    code, _, err = drill_lake.cli("failover", "--planned", "--yes", capsys=capsys)
    assert code == 0, err
    for argv in after_failover:
        ran.add(_run(argv, drill_lake, capsys))
    for wanted in (
        "status",
        "failover",
        "failback",
        "drill history",
        "backup verify",
        "table restore",
        "table history",
        "safe-point",
        "verify",
        "config diff",
    ):
        assert any(r.startswith(wanted) for r in ran), wanted


def test_the_runbook_renders_as_html(
    drill_lake: DrillLake, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "runbook.html"
    code, _, err = drill_lake.cli("runbook", "--out", str(out), capsys=capsys)
    assert code == 0, err
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<table>" in html and "<pre><code>" in html
    assert "https://" not in html and "<script" not in html
    code, md, _ = drill_lake.cli("runbook", capsys=capsys)
    assert code == 0 and md.startswith("# DR runbook")
