"""Fixtures of the drill tests: the failover tests' two-region lakehouse (local disk or
moto S3, two sandboxes), with a nightly backup policy on a DR storage root of its own, one
backup run, the drill job and query of standby.yml's `drills:`, and helpers to run the CLI
and to fingerprint everything a drill must leave as it was."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from standby.backup import policy_targets, run_backups
from standby.cli import main
from standby.storage import open_store
from tests.failover.conftest import lakehouse, lakehouse_on  # noqa: F401 - fixtures
from tests.failover.lakehouse import TABLES, TwoRegions

QUERY = "SELECT COUNT(*) FROM production.sales.transactions"


@dataclass
class DrillLake:
    lake: TwoRegions
    backup_uri: str

    @property
    def config_path(self) -> Path:
        return self.lake.config_path

    def edit(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Change standby.yml."""
        data = yaml.safe_load(self.config_path.read_text())
        change(data)
        self.config_path.write_text(yaml.safe_dump(data, sort_keys=False))

    def cli(self, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        """`standby --config FILE ARGS`: exit code, stdout, stderr."""
        capsys.readouterr()
        code = main(["--config", str(self.config_path), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    def drill(self, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
        """`standby --json drill ARGS`: exit code and the report (or error) document."""
        code, out, err = self.cli("--json", "drill", *args, capsys=capsys)
        assert out.strip(), err
        return code, json.loads(out)


def _backup_root(lake: TwoRegions) -> str:
    return lake.dr_lake.uri.rstrip("/") + "-backups"


@pytest.fixture
def drill_lake_on(lakehouse_on: Callable[..., TwoRegions]) -> Callable[..., DrillLake]:  # noqa: F811
    """drill_lake_on("local" | "s3"): the lakehouse with a backup policy, one backup run,
    and `drills:` (the nightly_report job, a COUNT(*) query)."""

    def build(kind: str = "local", **extra: Any) -> DrillLake:
        lake = lakehouse_on(kind, drills={"jobs": ["nightly_report"], "queries": [QUERY]}, **extra)
        found = DrillLake(lake, _backup_root(lake))

        def add_backups(data: dict[str, Any]) -> None:
            data["sites"]["dr"]["storage"]["backup"] = found.backup_uri
            data["backups"] = {
                "policies": [
                    {
                        "name": "nightly",
                        "tables": list(TABLES),
                        "root": "backup",
                        "site": "dr",
                        "schedule": "0 2 * * *",
                        "retention": {"keep_last": 3},
                    }
                ]
            }

        found.edit(add_backups)
        result = run_backups(policy_targets(lake.config))
        assert not result.failures and len(result.backups) == len(TABLES)
        return found

    return build


@pytest.fixture
def drill_lake(drill_lake_on: Callable[..., DrillLake]) -> DrillLake:
    return drill_lake_on("local")


def listing(uri: str, options: dict[str, str]) -> dict[str, str]:
    """Every object under a root and the sha256 of its bytes."""
    store = open_store(uri, options=options or None)
    return {o.path: hashlib.sha256(store.get(o.path)).hexdigest() for o in store.list("")}


def sandbox_state(lake: TwoRegions, site: str) -> dict[str, Any]:
    """A sandbox's state as a drill must leave it: every collection (jobs with their pause
    states, catalogs, schemas, tables, grants, permissions, warehouses, ...) byte for byte,
    less the history of runs and statements a drill adds (an empty collection is none)."""
    store = (lake.primary if site == "primary" else lake.dr).store
    with store.lock:
        state = {
            name: json.dumps(store.collection(name), sort_keys=True)
            for name in sorted(store._collections)
            if name not in ("runs", "sql_statements") and store.collection(name)
        }
        state["meta"] = json.dumps(store.meta, sort_keys=True)
    return state


def fingerprint(dl: DrillLake) -> dict[str, Any]:
    lake = dl.lake
    return {
        "primary": listing(lake.primary_lake.uri, lake.options("primary")),
        "dr": listing(lake.dr_lake.uri, lake.options("dr")),
        "backups": listing(dl.backup_uri, lake.options("dr")),
        "primary_workspace": sandbox_state(lake, "primary"),
        "dr_workspace": sandbox_state(lake, "dr"),
        "dns": lake.record_target(),
    }
