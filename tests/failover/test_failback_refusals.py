"""Acceptance 4 of the failback issue: refusals exit 5 and change nothing anywhere (both
lakes' listings, both workspaces, the DNS record): a failback while DR is not the primary,
a reprotect or failback of a split brain (both sites primary at the current epoch) unless
`--force`, which the message explains (with `--force` the reprotect proceeds), and one
of a table the new primary does not have."""

from __future__ import annotations

import os
import shutil

import pytest

from standby.control import CONTROL_PATH, transition
from standby.failover.orphaned import manifests
from standby.storage import open_store
from tests.failover.lakehouse import TABLES, TwoRegions
from tests.failover.outage import (
    comes_back,
    commits,
    forced_failover,
    replicate_again,
    write_in_dr,
)
from tests.failover.test_refusals import _run, fingerprint


def _refused(lake: TwoRegions, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    before = fingerprint(lake)
    code, output = _run(lake, *args, capsys=capsys)
    assert code == 5, output
    assert fingerprint(lake) == before, f"a refused {args[0]} changed something"
    assert "Traceback" not in output
    return output


def test_failback_while_dr_is_not_the_primary_is_refused(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    output = _refused(lakehouse, capsys, "failback", "--yes")
    assert "primary is the primary already" in output.replace("\n", " ")
    _refused(lakehouse, capsys, "failback", "--dry-run")
    assert lakehouse.control("dr") == ("replica", 1)


def test_a_split_brain_is_refused_unless_forced(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = lakehouse
    name = TABLES[0]
    fork = lake.latest(name)
    forced_failover(lake)
    write_in_dr(lake, name, appends=1)
    comes_back(lake)
    # The old primary is made primary at DR's epoch, and writes as one: a split brain.
    transition(
        open_store(lake.primary_lake.uri),
        expect=("primary", 1),
        to=("primary", 2),
        operation_id="someone-else",
    )
    split = [lake.append(name, 700_000 + 10 * i) for i in range(2)]
    assert lake.control("dr") == ("primary", 2) and lake.control("primary") == ("primary", 2)

    for command in (["reprotect"], ["failback", "--yes"]):
        output = _refused(lake, capsys, *command).replace("\n", " ")
        assert "split brain" in output and "--force" in output, output
        assert "moved aside" in output and "never merged" in output, output

    code, output = _run(lake, "reprotect", "--force", capsys=capsys)
    assert code == 0, output
    assert lake.control("primary") == ("replica", 2) and lake.control("dr") == ("primary", 2)
    assert commits(lake, name) == commits(lake, name, "dr")
    (manifest,) = manifests(lake.config, name)
    assert manifest.fork == fork and [c.version for c in manifest.commits] == split
    write_in_dr(lake, name, appends=1)  # replication now runs DR -> primary
    assert replicate_again(lake)[0] == (3, 3)  # an append, a delete, an OPTIMIZE: a file each
    assert commits(lake, name) == commits(lake, name, "dr")


def test_a_table_missing_on_the_new_primary_is_refused(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dropped in DR during the outage: the primary's copy has nothing to rewind to, and
    moving its whole log aside would leave no table on either site."""
    lake = lakehouse
    forced_failover(lake)
    comes_back(lake)
    shutil.rmtree(lake.uri(TABLES[2], "dr"))
    for command in (["reprotect"], ["failback", "--yes"]):
        output = _refused(lake, capsys, *command).replace("\n", " ")
        assert f"not on dr: {TABLES[2]}" in output, output
    assert lake.control("primary") == ("primary", 1)


def test_an_old_primary_without_control_objects_is_refused(
    lakehouse: TwoRegions, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not the storage the old primary wrote (a root made anew, a wrong path): refused
    before anything is fenced, paused or moved, not half way."""
    lake = lakehouse
    forced_failover(lake)
    comes_back(lake)
    os.remove(os.path.join(lake.primary_lake.uri, CONTROL_PATH))
    output = _refused(lake, capsys, "reprotect").replace("\n", " ")
    assert "primary root(s) lake have no control object" in output, output
