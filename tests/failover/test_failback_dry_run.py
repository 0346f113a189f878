"""Acceptance 5 of the failback issue: `reprotect --dry-run` and `failback --dry-run` print,
per table, the fork F, the commits they would move aside and the commits they would copy,
and change nothing anywhere; the real failback then does exactly what was printed."""

from __future__ import annotations

import json
import re
from typing import Any

import deltalake
import pytest

from standby.failover.orphaned import manifests
from standby.failover.service import home
from standby.operations.journal import list_journals
from tests.failover.lakehouse import TABLES, TwoRegions
from tests.failover.outage import comes_back, forced_failover, write_in_dr
from tests.failover.test_refusals import _run, fingerprint

REWIND = re.compile(r"^(?P<table>\S+): fork F=v(?P<fork>-?\d+); move aside (?P<what>.*)$")
COPY = re.compile(r"^(?P<table>\S+): copy commits (?P<spans>.*) \((?P<n>\d+)\) from dr$")
NOTHING = re.compile(r"^(?P<table>\S+): copy nothing \(dr wrote no commit after F\)$")


def _versions(spans: str) -> list[int]:
    out: list[int] = []
    for run in spans.split(", "):
        first, _, last = run.partition("..")
        out += list(range(int(first[1:]), int((last or first)[1:]) + 1))
    return out


def _plan(lake: TwoRegions, capsys: pytest.CaptureFixture[str], *command: str) -> dict[str, Any]:
    before = fingerprint(lake)
    code, output = _run(lake, "--json", *command, "--dry-run", capsys=capsys)
    assert code == 0, output
    assert fingerprint(lake) == before, f"{command[0]} --dry-run changed something"
    plan: dict[str, Any] = json.loads(output[output.index("{") :])
    assert plan["dry_run"] is True
    return plan


def _per_table(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """From the plan's lines: per table, F, the commits moved aside, the commits copied."""
    lines = {s["name"]: s["plan"] for s in plan["steps"]}
    tables: dict[str, dict[str, Any]] = {}
    for line in lines["rewind"]:
        m = REWIND.match(line)
        assert m, line
        what = m["what"]
        moved = re.match(r"commits (.*?) \(\d+\)", what)
        tables[m["table"]] = {
            "fork": int(m["fork"]),
            "aside": _versions(moved[1]) if moved else [],
            "checkpoints": "checkpoints" in what,
            "hint": "_last_checkpoint" in what,
            "copy": None,
        }
    for line in lines["reverse-replicate"]:
        m = COPY.match(line) or NOTHING.match(line)
        assert m, line
        copied = _versions(m["spans"]) if "spans" in m.groupdict() else []
        tables[m["table"]]["copy"] = copied
    return tables


def test_dry_runs_print_fork_and_commits_change_nothing_and_match_the_run(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = lakehouse
    name = TABLES[0]
    for i in range(3):
        lake.append(name, 600_000 + 10 * i)
    deltalake.DeltaTable(lake.uri(name)).create_checkpoint()
    forced_failover(lake)
    write_in_dr(lake, name)
    write_in_dr(lake, TABLES[1], appends=1)
    comes_back(lake)

    reprotect = _per_table(_plan(lake, capsys, "reprotect"))
    failback = _per_table(_plan(lake, capsys, "failback"))
    assert reprotect == failback
    assert reprotect[name]["aside"] and reprotect[name]["checkpoints"] and reprotect[name]["hint"]
    assert reprotect[TABLES[2]]["aside"] == [] and reprotect[TABLES[2]]["copy"] == []

    code, output = _run(lake, "failback", "--yes", capsys=capsys)
    assert code == 0, output
    (journal,) = list_journals(home(lake.config).home, kind="failback")
    rewound = journal.changed("rewind")["tables"]
    copied = journal.changed("reverse-replicate")["tables"]
    for table, planned in reprotect.items():
        assert rewound[table]["fork"] == planned["fork"], table
        assert [c["version"] for c in rewound[table]["orphaned"]] == planned["aside"], table
        done = copied[table]
        assert list(range(done["from"] + 1, done["to"] + 1)) == planned["copy"], table
        assert done["commits"] == len(planned["copy"]), table
    (manifest,) = manifests(lake.config, name)
    assert any(".checkpoint." in p for p in manifest.moved)
    assert "_delta_log/_last_checkpoint" in manifest.moved
