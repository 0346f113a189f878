"""Endpoint switchers: point the one name users connect to at the surviving site.

`route53` UPSERTs the record, waits for the change to be INSYNC, then reads the record
back through the zone; `command` runs the user's script with the record and both targets
in its environment (its exit code decides); `none` changes nothing and says so. Every
switcher is idempotent: a record already at the target is left alone.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from standby.config import Dns
from standby.config.types import EnvRef, read_env
from standby.errors import BadInput, ProblemFound, Unreachable


@dataclass(frozen=True)
class DnsChange:
    record: str
    old: str | None
    new: str
    provider: str


class DnsSwitcher(Protocol):
    def current(self) -> str | None:
        """Where the record points now (None: no record, or not knowable). Idempotent."""
        ...

    def switch(self, change: DnsChange) -> None:
        """Point the record at `change.new` and check it does. Idempotent."""
        ...


class NoDns:
    """provider: none — a person changes the endpoint; the report says what to change."""

    def current(self) -> str | None:
        return None

    def switch(self, change: DnsChange) -> None:
        return None


class CommandDns:
    """provider: command — argv from `options.command`; STANDBY_DNS_RECORD / _OLD / _NEW."""

    def __init__(self, argv: list[str], *, timeout: float = 120.0):
        if not argv:
            raise BadInput("dns provider command needs options.command: [argv, ...].")
        self.argv = argv
        self.timeout = timeout

    def current(self) -> str | None:
        return None

    def switch(self, change: DnsChange) -> None:
        env = {
            **os.environ,
            "STANDBY_DNS_RECORD": change.record,
            "STANDBY_DNS_OLD": change.old or "",
            "STANDBY_DNS_NEW": change.new,
        }
        try:
            done = subprocess.run(
                self.argv, env=env, capture_output=True, text=True, timeout=self.timeout
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ProblemFound(f"The DNS command {self.argv[0]} did not run: {e}.") from e
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ProblemFound(
                f"The DNS command {self.argv[0]} failed (exit {done.returncode}): {last}",
                hint="Fix the command, then rerun the operation: it resumes at this step.",
            )


class Route53Dns:
    """provider: route53 — a CNAME in hosted zone `zone`, through boto3."""

    def __init__(
        self, client: Any, *, zone: str, record: str, ttl: int, sleep: Callable[[float], None]
    ):
        self.client = client
        self.zone = zone
        self.record = record.rstrip(".") + "."
        self.ttl = ttl
        self.sleep = sleep

    def current(self) -> str | None:
        answer = self._call(
            "reading",
            lambda: self.client.list_resource_record_sets(
                HostedZoneId=self.zone, StartRecordName=self.record, MaxItems="1"
            ),
        )
        for rrset in answer.get("ResourceRecordSets", []):
            if rrset["Name"] == self.record and rrset.get("ResourceRecords"):
                return str(rrset["ResourceRecords"][0]["Value"]).rstrip(".")
        return None

    def switch(self, change: DnsChange) -> None:
        if self.current() == change.new.rstrip("."):
            return
        batch = {
            "Comment": "standby: point at the primary site",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": self.record,
                        "Type": "CNAME",
                        "TTL": self.ttl,
                        "ResourceRecords": [{"Value": change.new}],
                    },
                }
            ],
        }
        answer = self._call(
            "changing",
            lambda: self.client.change_resource_record_sets(
                HostedZoneId=self.zone, ChangeBatch=batch
            ),
        )
        self._wait(str(answer["ChangeInfo"]["Id"]))
        if self.current() != change.new.rstrip("."):
            raise ProblemFound(
                f"Route 53 says {self.record} changed, but it does not point at {change.new}."
            )

    def _wait(self, change_id: str, *, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            status = self._call("waiting on", lambda: self.client.get_change(Id=change_id))
            if status["ChangeInfo"]["Status"] == "INSYNC":
                return
            if time.monotonic() > deadline:
                raise Unreachable(f"Route 53 change {change_id} not INSYNC after {timeout:.0f} s.")
            self.sleep(2.0)

    def _call(self, doing: str, fn: Callable[[], Any]) -> Any:
        import botocore.exceptions  # type: ignore[import-untyped]  # lazily: only route53 needs it

        try:
            return fn()
        except botocore.exceptions.ClientError as e:
            raise ProblemFound(f"Route 53 refused {doing} {self.record}: {e}") from e
        except botocore.exceptions.BotoCoreError as e:
            raise Unreachable(f"Route 53 could not be reached {doing} {self.record}: {e}") from e


def switcher(dns: Dns | None, *, sleep: Callable[[float], None] = time.sleep) -> DnsSwitcher:
    """The switcher a site's `dns` block asks for (NoDns without one)."""
    if dns is None or dns.provider in ("none", "manual"):
        return NoDns()
    options = _resolved(dns.options)
    if dns.provider == "command":
        command = options.get("command")
        return CommandDns(shlex.split(command) if isinstance(command, str) else [])
    if dns.provider == "route53":
        if not dns.zone:
            raise BadInput(f"dns record {dns.record}: provider route53 needs zone (its id).")
        return Route53Dns(
            _route53_client(options), zone=dns.zone, record=dns.record, ttl=dns.ttl, sleep=sleep
        )
    raise BadInput(f"dns provider {dns.provider} is not supported; use route53, command or none.")


def _resolved(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: read_env(v.env, k) if isinstance(v, EnvRef) else v for k, v in options.items()}


def _route53_client(options: Mapping[str, Any]) -> Any:
    try:
        import boto3  # type: ignore[import-untyped]  # lazily: only route53 needs it
    except ImportError as e:
        raise BadInput("dns provider route53 needs boto3: pip install 'standby[aws]'.") from e
    keys = ("endpoint_url", "region_name", "aws_access_key_id", "aws_secret_access_key")
    return boto3.client("route53", **{k: options[k] for k in keys if k in options})
