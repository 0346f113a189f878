"""`standby runbook`: the DR guide's section 7 made from standby.yml and live state: who to
call, the sites with their roles at the current epoch, the tiers with their targets and
the last measured RTO and RPO, the exact commands of each scenario for this configuration,
the protected tables on each site, the jobs with their pause states, the DNS records, and
when each drill level is due. What cannot be read now (a workspace down) is said, never
guessed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt

from standby.backup import Catalog, backup_roots
from standby.config import Config
from standby.delta import DeltaLog
from standby.drill.context import sides
from standby.drill.history import history_store, level_status, records
from standby.drill.render import Format, environment
from standby.drill.scenarios import scenarios
from standby.errors import StandbyError
from standby.failover.dns import switcher
from standby.failover.service import home
from standby.failover.sites import SiteHandle, control_roots, protected_tables
from standby.operations.clock import Clock, SystemClock
from standby.operations.journal import list_journals
from standby.site_options import options_by_url
from standby.workspace.operations import open_site_workspace


def _read(probe: Callable[[], Any]) -> Any:
    """What `probe` reads, or {"error": why} when it cannot be read now."""
    try:
        return probe()
    except StandbyError as e:
        return {"error": e.message}


def _sites(config: Config) -> list[dict[str, Any]]:
    roots = control_roots(config)
    out = []
    for name, site in config.sites.items():
        controls = SiteHandle(config, name).controls(roots)
        dns = site.dns
        out.append(
            {
                "name": name,
                "configured_as": site.role,
                "region": site.region,
                "workspace": (site.workspace.host or site.workspace.profile)
                if site.workspace
                else None,
                "storage": dict(site.storage),
                "roles": {
                    r: {"role": c.role, "epoch": c.epoch} if c else None
                    for r, c in controls.items()
                },
                "dns": {
                    "provider": dns.provider,
                    "record": dns.record,
                    "target": dns.target,
                    "now": _read(lambda d=dns: switcher(d).current()),  # type: ignore[misc]
                }
                if dns
                else None,
            }
        )
    return out


def _last_rto(config: Config) -> tuple[float | None, str | None]:
    """The newest measured RTO: of a drill, or of a failover's own report."""
    found = [
        (r["ended_ms"], r["rto_seconds"], r["drill_id"])
        for r in records(history_store(config))
        if r.get("rto_seconds") is not None and r.get("ended_ms")
    ]
    found += [
        (j.ended_ms or j.created_ms, (j.report or {}).get("rto_seconds"), j.operation_id)
        for j in list_journals(home(config).home, kind="failover")
        if j.status == "done" and (j.report or {}).get("rto_seconds") is not None
    ]
    if not found:
        return None, None
    _, rto, source = max(found, key=lambda f: f[0])
    return rto, source


def _tiers(config: Config) -> list[dict[str, Any]]:
    rto, rto_from = _last_rto(config)
    drills = records(history_store(config))
    out = []
    for name in sorted({t.tier for t in protected_tables(config)[0]}):
        tier = config.tier(name)
        measured = [
            (r["drill_id"], t)
            for r in drills
            for t in r.get("tiers", [])
            if t["name"] == name and t.get("rpo_seconds") is not None
        ]
        last = measured[-1] if measured else None
        out.append(
            {
                "name": name,
                "description": tier.description,
                "rpo_target_seconds": tier.rpo,
                "rto_target_seconds": tier.rto,
                "last_rpo_seconds": last[1]["rpo_seconds"] if last else None,
                "last_rpo_from": last[0] if last else None,
                "last_rto_seconds": rto,
                "last_rto_from": rto_from,
            }
        )
    return out


def _tables(config: Config) -> list[dict[str, Any]]:
    tables, unresolved = protected_tables(config)
    out = [
        {
            "name": t.label,
            "tier": t.tier,
            "locations": t.locations,
            "latest_version": _read(
                lambda t=t: (
                    DeltaLog(
                        SiteHandle(config, config.primary).store(  # type: ignore[misc]
                            t.locations[config.primary]
                        )
                    )
                    .list()
                    .latest
                )
            ),
        }
        for t in tables
    ]
    return out + [
        {"name": n, "tier": None, "locations": {}, "latest_version": None} for n in unresolved
    ]


def _jobs(config: Config) -> dict[str, Any]:
    """Per site, each protected job's pause state and the primary's recorded one."""
    out: dict[str, Any] = {}
    for name in config.sites:
        if config.site(name).workspace is None:
            continue

        def read(site: str = name) -> dict[str, Any]:
            jobs = open_site_workspace(config, site, timeout=10).jobs(list(config.protected.jobs))
            return {
                j: {"pause": s.pause, "recorded_primary": s.recorded_primary}
                for j, s in jobs.items()
            }

        out[name] = _read(read)
    return out


def _newest_backup(config: Config) -> str | None:
    if not config.backups.policies:
        return None
    entries = [e for root in backup_roots(config) for e in Catalog(root).entries()]
    return max(entries, key=lambda e: e.created).id if entries else None


def build_runbook(config: Config, *, clock: Clock | None = None) -> dict[str, Any]:
    """The runbook's content for this configuration, read now."""
    now = (clock or SystemClock()).now_ms()
    with options_by_url(config.storage_options_for):
        roles = _read(lambda: list(sides(config)))
        primary, replica = roles if isinstance(roles, list) else (None, None)
        tables = _tables(config)
        return {
            "config": str(config.path) if config.path else None,
            "generated_ms": now,
            "primary": primary,
            "replica": replica,
            "contacts": [c.model_dump() for c in config.contacts],
            "sites": _sites(config),
            "tiers": _tiers(config),
            "tables": tables,
            "jobs": _jobs(config),
            "drills": [vars(s) for s in level_status(config, now_ms=now)],
            "scenarios": scenarios(
                config,
                tables,
                newest_backup=_read(lambda: _newest_backup(config)),
                sides=(primary, replica) if primary and replica else None,
            ),
            "unfinished": _read(
                lambda: [
                    j.operation_id for j in list_journals(home(config).home) if j.status != "done"
                ]
            ),
        }


def render_runbook(runbook: dict[str, Any], fmt: Format) -> str:
    """The runbook as JSON, Markdown, or HTML (the Markdown, rendered, in one page)."""
    if fmt == "json":
        return json.dumps(runbook, indent=2) + "\n"
    env = environment()
    text = env.get_template("runbook.md.j2").render(b=runbook)
    if fmt == "md":
        return text
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return env.get_template("runbook.html.j2").render(b=runbook, body=body)
