"""Invariant 8: a replica is written only while the control objects say source=primary,
target=replica, at the same epoch; a following replicator stops when that changes."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import deltalake
import pytest

from standby.config import load_config
from standby.control import CONTROL_PATH, initialize, read_control
from standby.errors import Refused
from standby.replication.follow import follow
from standby.replication.plan import configured_pairs
from standby.storage import open_store
from tests.tables.builders import batch


def write_config(tmp: Path) -> Path:
    (tmp / "p" / "lake").mkdir(parents=True)
    (tmp / "d" / "lake").mkdir(parents=True)
    table = tmp / "p" / "lake" / "sales" / "t"
    deltalake.write_deltalake(str(table), batch(0, 5))
    cfg = tmp / "standby.yml"
    cfg.write_text(
        "version: 1\nsites:\n"
        f"  primary: {{role: primary, storage: {{lake: '{tmp / 'p' / 'lake'}'}}}}\n"
        f"  dr: {{role: dr, storage: {{lake: '{tmp / 'd' / 'lake'}'}}}}\n"
        f"protected:\n  tables:\n    - {{table: sales.x.t, location: '{table}', tier: tier1}}\n"
    )
    return cfg


def test_first_use_initialises_both_sites_at_epoch_1(tmp_path: Path) -> None:
    planned = configured_pairs(load_config(write_config(tmp_path)))
    assert planned.epoch == 1
    primary = read_control(open_store(str(tmp_path / "p" / "lake")))
    replica = read_control(open_store(str(tmp_path / "d" / "lake")))
    assert primary is not None and replica is not None
    assert (primary.role, replica.role) == ("primary", "replica")
    assert (
        initialize(open_store(str(tmp_path / "d" / "lake")), site="dr", role="primary").role
        == "replica"
    )


def test_a_promoted_replica_is_fenced(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    configured_pairs(config)
    control = tmp_path / "d" / "lake" / CONTROL_PATH
    doc = json.loads(control.read_text())
    control.write_text(json.dumps({**doc, "role": "primary", "epoch": 2}))
    with pytest.raises(Refused, match="fenced"):
        configured_pairs(config)


def test_following_stops_when_the_epoch_moves(tmp_path: Path) -> None:
    planned = configured_pairs(load_config(write_config(tmp_path)))
    rounds: list[int] = []
    stop = threading.Event()

    def fence() -> None:
        rounds.append(1)
        if len(rounds) == 3:  # a failover happens between two rounds
            for root in ("p", "d"):
                control = tmp_path / root / "lake" / CONTROL_PATH
                doc = json.loads(control.read_text())
                control.write_text(json.dumps({**doc, "epoch": 2}))
        planned.fence()

    with pytest.raises(Refused, match="epoch 2"):
        follow(planned.pairs, interval=0.01, stop=stop, fence=fence)
    assert len(rounds) == 3
    replica = tmp_path / "d" / "lake" / "sales" / "t"
    assert deltalake.DeltaTable(str(replica)).version() == 0
