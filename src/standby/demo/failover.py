"""The demo's failover section: a planned switchover to the DR region while the primary
keeps writing, its report (measured RTO, RPO 0, each step's seconds), and the failback
that brings the business home. With `outage`, the other story: the primary region dies
under a writer, a forced failover reports what it lost per table, DR takes writes, the
primary returns, and failback moves its orphaned commits aside and exports them.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

import deltalake
import yaml

from standby.config import Config, load_config
from standby.control import read_control
from standby.demo.lakehouse import TABLES, DemoLakehouse, Narrator, transactions
from standby.failover.failback import failback
from standby.failover.orphaned import export, manifests
from standby.failover.service import FailoverRequest, Planned, failover
from standby.operations.journal import Journal
from standby.replication.follow import follow
from standby.replication.plan import configured_pairs
from standby.sandbox import RunningSandbox
from standby.storage import open_store

RECORD = "lakehouse.company.example"


@dataclass
class FailoverStory:
    """What the section measured, from the operations' journals."""

    failover_kind: str  # planned | forced
    failover_rto_seconds: float | None
    rpo_seconds: dict[str, float | None]
    lost_versions: dict[str, list[int]]
    failback_rto_seconds: float | None
    orphaned_versions: dict[str, list[int]] = field(default_factory=dict)
    back_home: bool = False  # the primary region is primary again, DR its replica


class Writer:
    """Commits to the transactions table every `interval` seconds until the primary is
    fenced (as a job that checks its site's role before writing would)."""

    def __init__(self, lake: DemoLakehouse, *, interval: float = 0.3):
        self.lake, self.interval = lake, interval
        self.commits = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="demo-writer")

    def _run(self) -> None:
        table = str(self.lake.table(TABLES[0]))
        start = 20_000
        while not self.stop.wait(self.interval):
            control = read_control(open_store(str(self.lake.primary)))
            if control is None or control.role != "primary":
                return
            deltalake.write_deltalake(table, transactions(start, 20), mode="append")
            start += 20
            self.commits += 1

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


def with_dns(lake: DemoLakehouse) -> Config:
    """The jobs a failover moves, and the endpoint users connect to: a command 'switches'
    it (writes the target to a file) where a real setup would use Route 53."""
    data = yaml.safe_load(lake.config.read_text())
    switch = lake.root / "dns" / RECORD
    switch.parent.mkdir(parents=True, exist_ok=True)
    switch.write_text("primary.company.example\n")
    script = f"import os; open({str(switch)!r}, 'w').write(os.environ['STANDBY_DNS_NEW'] + '\\n')"
    for site in ("primary", "dr"):
        data["sites"][site]["dns"] = {
            "provider": "command",
            "record": RECORD,
            "target": f"{site}.company.example",
            "options": {"command": shlex.join([sys.executable, "-c", script])},
        }
    data["failover"] = {"validation_job": "nightly_report"}
    data["protected"]["jobs"] = ["etl_pipeline", "nightly_report"]
    lake.config.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_config(lake.config)


def _show(narrator: Narrator, journal: Planned | Journal, command: str) -> dict[str, Any]:
    narrator.command(command)
    assert isinstance(journal, Journal) and journal.report is not None
    narrator.show(journal.report, "failover")
    return journal.report


def failover_section(
    lake: DemoLakehouse,
    primary: RunningSandbox,
    dr: RunningSandbox,
    narrator: Narrator,
    *,
    outage: bool = False,
    number: int = 11,
) -> FailoverStory:
    """The planned switchover and failback, or (outage) the forced story and failback."""
    config = with_dns(lake)
    cli = f"standby --config {lake.config}"
    if outage:
        return _outage(lake, primary, config, narrator, cli, number)
    narrator.section(f"{number}. Planned switchover to us-west-2 while the primary keeps writing")
    with Writer(lake) as writer:
        threading.Event().wait(1.0)
        report = _show(
            narrator,
            failover(config, FailoverRequest(mode="planned")),
            f"{cli} failover --planned --yes",
        )
    narrator.note(f"the writer committed {writer.commits} time(s) until the primary was fenced")
    narrator.note(f"{RECORD} now points at {(lake.root / 'dns' / RECORD).read_text().strip()}")
    narrator.section(f"{number + 1}. Failback: us-east-1 becomes a replica, then primary again")
    back = _show(
        narrator,
        failback(config, FailoverRequest(sync_config=True)),
        f"{cli} failback --sync-config --yes",
    )
    return _story("planned", report, back, config)


def _outage(
    lake: DemoLakehouse,
    primary: RunningSandbox,
    config: Config,
    narrator: Narrator,
    cli: str,
    number: int,
) -> FailoverStory:
    narrator.section(f"{number}. Outage: us-east-1 dies while the writer and --follow run")
    planned = configured_pairs(config)
    stop = threading.Event()
    follower = threading.Thread(
        target=follow, kwargs={"pairs": planned.pairs, "interval": 1.0, "stop": stop}, daemon=True
    )
    follower.start()
    with Writer(lake, interval=0.25):
        threading.Event().wait(2.5)
        primary.go_down()  # the region is gone: its workspace, then its storage
        shutil.move(str(lake.primary), str(lake.primary) + ".unreachable")
    stop.set()
    follower.join(10)
    narrator.note("us-east-1's workspace and storage are unreachable")
    report = _show(
        narrator,
        failover(config, FailoverRequest(mode="forced", primary_timeout=2.0)),
        f"{cli} failover --forced --yes",
    )
    txn = str(lake.table(TABLES[0], site="dr"))
    for i in range(3):
        deltalake.write_deltalake(txn, transactions(90_000 + 20 * i, 20), mode="append")
    narrator.note("DR is the primary now and takes 3 commits of its own")
    narrator.section(f"{number + 1}. us-east-1 returns: failback, its orphaned commits kept aside")
    shutil.move(str(lake.primary) + ".unreachable", str(lake.primary))
    primary.come_up()
    back = _show(
        narrator,
        failback(config, FailoverRequest(sync_config=True)),
        f"{cli} failback --sync-config --yes",
    )
    found = manifests(config, TABLES[0])
    if found and found[-1].commits:
        narrator.command(f"{cli} orphaned show {TABLES[0]}")
        narrator.note(
            ", ".join(f"v{c.version} {c.operation} {c.rows} rows" for c in found[-1].commits)
        )
        out = lake.root / "us-east-1" / "orphaned-export"
        narrator.command(f"{cli} orphaned export {TABLES[0]} --to {out}")
        export(config, TABLES[0], str(out))
        narrator.note(
            f"readable at {out}: {deltalake.DeltaTable(str(out)).to_pyarrow_table().num_rows} rows"
        )
    return _story("forced", report, back, config)


def _story(
    kind: str, report: dict[str, Any], back: dict[str, Any], config: Config
) -> FailoverStory:
    tables = report.get("tables", [])
    orphaned = back.get("orphaned", {})
    home = read_control(open_store(config.site(config.primary).storage["lake"]))
    return FailoverStory(
        failover_kind=kind,
        failover_rto_seconds=report.get("rto_seconds"),
        rpo_seconds={t["name"]: t["rpo_seconds"] for t in tables},
        lost_versions={t["name"]: t["lost_versions"] for t in tables},
        failback_rto_seconds=back.get("rto_seconds"),
        orphaned_versions={n: o["orphaned_versions"] for n, o in orphaned.items()},
        back_home=home is not None and home.role == "primary",
    )
