"""A two-region lakehouse for the failover tests: the guide's three tables on the primary
(local disk or moto S3), two workspace sandboxes (the primary seeded with the guide's
jobs and catalog), a Route 53 zone on moto with the endpoint's CNAME, a standby.yml, and
a standby already in place: every table replicated, the configuration synced.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import deltalake
import pyarrow as pa
import pytest
import yaml

from standby import sandbox
from standby.config import Config, load_config
from standby.control import read_control
from standby.delta import DeltaLog
from standby.replication import replicate_table
from standby.replication.plan import configured_pairs
from standby.sandbox import RunningSandbox
from standby.storage import open_store
from standby.workspace.sites import sync_sites
from tests.servers import Root, S3Server

TABLES = (
    "production.sales.transactions",
    "production.sales.customers",
    "production.inventory.products",
)
TOKENS = {"primary": "STANDBY_TEST_TOKEN_PRIMARY", "dr": "STANDBY_TEST_TOKEN_DR"}
RECORD = "databricks.company.test"
TARGETS = {"primary": "primary-workspace.company.test", "dr": "dr-workspace.company.test"}
CANARY_ENV = "STANDBY_TEST_CANARY_KEY"
KEY_ID_ENV = "STANDBY_TEST_AWS_KEY_ID"


def rows(start: int, n: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(start, start + n), pa.int64()),
            "amount": pa.array([float(i % 97) for i in range(start, start + n)]),
        }
    )


@dataclass
class TwoRegions:
    root: Path
    primary_lake: Root
    dr_lake: Root
    primary: RunningSandbox
    dr: RunningSandbox
    config_path: Path
    zone_id: str
    route53: Any
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    def uri(self, name: str, site: str = "primary") -> str:
        lake = self.primary_lake if site == "primary" else self.dr_lake
        return lake.join(*name.split("."))

    def options(self, site: str = "primary") -> dict[str, str]:
        lake = self.primary_lake if site == "primary" else self.dr_lake
        return dict(lake.storage_options)

    def append(self, name: str, start: int, n: int = 10) -> int:
        """One commit on the primary; its version."""
        uri = self.uri(name)
        deltalake.write_deltalake(
            uri, rows(start, n), mode="append", storage_options=self.options()
        )
        return self.latest(name)

    def latest(self, name: str, site: str = "primary") -> int:
        latest = (
            DeltaLog(open_store(self.uri(name, site), options=self.options(site))).list().latest
        )
        assert latest is not None
        return latest

    def record_target(self) -> str | None:
        answer = self.route53.list_resource_record_sets(
            HostedZoneId=self.zone_id, StartRecordName=RECORD + ".", MaxItems="1"
        )
        for rrset in answer["ResourceRecordSets"]:
            if rrset["Name"] == RECORD + ".":
                return str(rrset["ResourceRecords"][0]["Value"])
        return None

    def control(self, site: str) -> tuple[str, int]:
        lake = self.primary_lake if site == "primary" else self.dr_lake
        control = read_control(open_store(lake.uri, options=lake.storage_options))
        assert control is not None
        return control.role, control.epoch

    def jobs(self, site: str) -> dict[str, str | None]:
        """Name -> pause state of the scheduled jobs of a site's workspace."""
        w = (self.primary if site == "primary" else self.dr).client()
        out: dict[str, str | None] = {}
        for job in w.jobs.list():
            settings = job.settings
            assert settings is not None and settings.name is not None
            schedule = settings.schedule
            out[settings.name] = (
                schedule.pause_status.value if schedule and schedule.pause_status else None
            )
        return out


def _seed_tables(primary: Root) -> dict[str, str]:
    locations = {}
    for i, name in enumerate(TABLES):
        uri = primary.join(*name.split("."))
        deltalake.write_deltalake(
            uri, rows(i * 1000, 20), storage_options=primary.storage_options or None
        )
        deltalake.write_deltalake(
            uri,
            rows(i * 1000 + 20, 20),
            mode="append",
            storage_options=primary.storage_options or None,
        )
        locations[name] = uri
    return locations


def _zone(s3: S3Server) -> tuple[Any, str]:
    client = boto3.client(
        "route53",
        endpoint_url=s3.options["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    zone = client.create_hosted_zone(Name="company.test", CallerReference=str(time.time_ns()))
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    change = {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": RECORD + ".",
            "Type": "CNAME",
            "TTL": 60,
            "ResourceRecords": [{"Value": TARGETS["primary"]}],
        },
    }
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [change]})
    return client, zone_id


def _site(name: str, lake: Root, sb: RunningSandbox, s3: S3Server, zone_id: str) -> dict[str, Any]:
    site: dict[str, Any] = {
        "role": name,
        "workspace": {"kind": "sandbox", "host": sb.url, "token_env": TOKENS[name]},
        "storage": {"lake": lake.uri},
        "dns": {
            "provider": "route53",
            "record": RECORD,
            "target": TARGETS[name],
            "zone": zone_id,
            "options": {
                "endpoint_url": s3.options["AWS_ENDPOINT_URL"],
                "region_name": "us-east-1",
                "aws_access_key_id": {"env": KEY_ID_ENV},
                "aws_secret_access_key": {"env": CANARY_ENV},
            },
        },
    }
    if lake.kind == "s3":
        site["storage_options"] = {
            "aws_endpoint_url": lake.storage_options["AWS_ENDPOINT_URL"],
            "aws_access_key_id": {"env": KEY_ID_ENV},
            "aws_secret_access_key": {"env": CANARY_ENV},
            "aws_region": "us-east-1",
            "aws_allow_http": "true",
        }
    return site


def write_config(
    path: Path, sites: dict[str, Any], locations: dict[str, str], **extra: Any
) -> Path:
    tiers = ("tier1", "tier1", "tier2")
    data = {
        "version": 1,
        "sites": sites,
        "protected": {
            "tables": [
                {"table": n, "location": locations[n], "tier": t}
                for n, t in zip(TABLES, tiers, strict=True)
            ],
            "jobs": ["etl_pipeline", "nightly_report"],
        },
        "workspace_sync": {"secrets": {"provider": "env"}},
        **extra,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@contextmanager
def _vault(config: Config, primary: RunningSandbox) -> Iterator[None]:
    """The primary's secret values in the environment for the `env` provider."""
    w = primary.client()
    names = []
    for scope in w.secrets.list_scopes():
        for item in w.secrets.list_secrets(str(scope.name)):
            value = w.secrets.get_secret(str(scope.name), str(item.key)).value or ""
            env = config.workspace_sync.secrets.env_var(str(scope.name), str(item.key))
            os.environ[env] = base64.b64decode(value).decode()
            names.append(env)
    try:
        yield
    finally:
        for env in names:
            os.environ.pop(env, None)


def replicate_all(config: Config) -> None:
    planned = configured_pairs(config)
    for pair in planned.pairs:
        replicate_table(
            pair.source,
            pair.target,
            epoch=planned.epoch,
            source_options=pair.source_options,
            target_options=pair.target_options,
        )


@contextmanager
def two_regions(
    tmp_path: Path,
    primary_lake: Root,
    dr_lake: Root,
    s3: S3Server,
    monkeypatch: pytest.MonkeyPatch,
    *,
    canary: str = "canary-storage-key-not-for-output",
    step_seconds: float = 0.05,
    **extra: Any,
) -> Iterator[TwoRegions]:
    """Build the lakehouse, replicate every table and sync the configuration; stop the
    sandboxes at the end."""
    monkeypatch.setenv(CANARY_ENV, canary)
    monkeypatch.setenv(KEY_ID_ENV, "testing")
    locations = _seed_tables(primary_lake)
    primary = sandbox.start(
        name="primary", seed="demo", table_locations=locations, step_seconds=step_seconds
    )
    dr = sandbox.start(name="dr", step_seconds=step_seconds)
    try:
        for name, sb in (("primary", primary), ("dr", dr)):
            monkeypatch.setenv(TOKENS[name], sb.token)
        route53, zone_id = _zone(s3)
        sites = {
            "primary": _site("primary", primary_lake, primary, s3, zone_id),
            "dr": _site("dr", dr_lake, dr, s3, zone_id),
        }
        path = write_config(tmp_path / "standby.yml", sites, locations, **extra)
        lake = TwoRegions(tmp_path, primary_lake, dr_lake, primary, dr, path, zone_id, route53)
        config = lake.config
        replicate_all(config)
        with _vault(config, primary):
            sync_sites(config, "primary", "dr").check()
        yield lake
    finally:
        primary.stop()
        dr.stop()


class Writer:
    """Commits to a primary table every `interval` seconds until the primary's control
    object is fenced, as a job that checks before it writes would."""

    def __init__(self, lake: TwoRegions, name: str, *, interval: float = 1.0):
        self.lake, self.name, self.interval = lake, name, interval
        self.versions: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = 100_000
        while not self.stop.is_set():
            if self.lake.control("primary")[0] != "primary":
                return
            self.versions.append(self.lake.append(self.name, start))
            start += 10
            self.stop.wait(self.interval)

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
