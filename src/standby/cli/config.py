"""`standby config check`: validate standby.yml and summarise it. The workspace commands
`config export / diff / sync` live in `standby.cli.config_workspace`; the registry
(`standby.cli.commands`) puts the four in one group.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from standby.cli.context import current_config
from standby.cli.output import emit
from standby.config import Config, Site, format_duration
from standby.config.reach import storage_reach

ConfigFile = Annotated[
    str | None,
    typer.Argument(
        help="The config file (default: --config, else $STANDBY_CONFIG, else ./standby.yml).",
        show_default=False,
    ),
]


def check_cmd(file: ConfigFile = None) -> None:
    """Validate standby.yml and print a summary, or every problem with its field path."""
    config = current_config(file)
    result = summary(config)
    emit(result, lambda c: _render(c, result))


def summary(config: Config) -> dict[str, Any]:
    """What `config check` shows: sites, the location mapping, protected tables by tier,
    backup policies, contacts, and the secret variables not set here. No secret values."""
    primary, dr = config.primary, config.dr
    reach = storage_reach(config)
    by_tier: dict[str, list[str]] = {name: [] for name in config.tiers}
    for entry in config.protected.tables:
        label = entry.table or entry.location or "?"
        if entry.table and entry.location:
            label = f"{entry.table} ({entry.location})"
        by_tier[entry.tier].append(label)
    sites = {name: _site(site) for name, site in config.sites.items()}
    return {
        "ok": True,
        "path": str(config.path) if config.path else None,
        "primary": primary,
        "dr": dr,
        "sites": sites,
        "location_mapping": [
            {"root": root} | {n: site.storage.get(root) for n, site in config.sites.items()}
            for root in dict.fromkeys([*config.sites[primary].storage, *config.sites[dr].storage])
        ],
        "storage_reach": [
            {"field": r.field, "location": r.location, "options_of": r.site}
            for r in reach.locations
        ],
        "storage_notes": reach.notes,
        "tiers": {
            name: {
                "rpo_seconds": tier.rpo,
                "rto_seconds": tier.rto,
                "rpo": format_duration(tier.rpo),
                "rto": format_duration(tier.rto),
                "tables": by_tier[name],
            }
            for name, tier in config.tiers.items()
        },
        "jobs": list(config.protected.jobs),
        "workspace_kinds": list(config.protected.workspace_kinds),
        "policies": [
            {
                "name": p.name,
                "kind": p.kind,
                "schedule": p.schedule,
                "tables": list(p.tables),
                "location": config.backup_location(p),
                "retention": p.retention.describe(),
            }
            for p in config.backups.policies
        ],
        "contacts": [c.model_dump() for c in config.contacts],
        "missing_env": config.missing_env(),
    }


def _site(site: Site) -> dict[str, Any]:
    """A site as `config check` shows it: how it authenticates, never with what."""
    ws = site.workspace
    auth = None
    if ws is not None:
        auth = (
            f"token from ${ws.token_env}"
            if ws.token_env
            else f"profile {ws.profile}"
            if ws.profile
            else f"oauth client {ws.client_id}"
            if ws.client_id
            else "databricks-sdk default"
        )
    return {
        "role": site.role,
        "region": site.region,
        "workspace": (ws.host or f"profile {ws.profile}") if ws else None,
        "workspace_kind": ws.kind if ws else None,
        "auth": auth,
        "storage": dict(site.storage),
        "storage_options": list(site.storage_options),  # names only, never values
        "dns": site.dns.record if site.dns else None,
    }


def _render(c: Console, s: dict[str, Any]) -> None:
    c.print(f"[green]ok[/]: {escape(s['path'] or 'the configuration')} is valid.")
    sites = Table(title="sites", title_justify="left")
    for col in ("site", "role", "region", "workspace", "auth"):
        sites.add_column(col, overflow="fold")
    for name, site in s["sites"].items():
        cells = (name, site["role"], site["region"], site["workspace"], site["auth"])
        sites.add_row(*(escape(str(v)) if v else "-" for v in cells))
    c.print(sites)

    mapping = Table(title="storage roots (same root, same relative path)", title_justify="left")
    for col in ("root", s["primary"], s["dr"]):
        mapping.add_column(escape(col), overflow="fold")
    for row in s["location_mapping"]:
        mapping.add_row(*(escape(str(row[k] or "-")) for k in ("root", s["primary"], s["dr"])))
    c.print(mapping)
    _render_reach(c, s)

    tiers = Table(title="protected tables by tier", title_justify="left")
    for col in ("tier", "RPO", "RTO", "tables"):
        tiers.add_column(col, overflow="fold")
    for name, tier in s["tiers"].items():
        tables = "\n".join(escape(t) for t in tier["tables"]) or "-"
        tiers.add_row(escape(name), tier["rpo"], tier["rto"], tables)
    c.print(tiers)
    c.print(f"jobs to fail over: {escape(', '.join(s['jobs']) or '-')}")
    c.print(f"workspace kinds to sync: {escape(', '.join(s['workspace_kinds']) or '-')}")

    if s["policies"]:
        policies = Table(title="backup policies", title_justify="left")
        for col in ("policy", "kind", "schedule", "retention", "location"):
            policies.add_column(col, overflow="fold")
        for p in s["policies"]:
            cells = (p["name"], p["kind"], p["schedule"], p["retention"], p["location"])
            policies.add_row(*(escape(str(v)) for v in cells))
        c.print(policies)
        for p in s["policies"]:
            c.print(f"policy {escape(p['name'])} backs up: {escape(', '.join(p['tables']))}")
    else:
        c.print("backup policies: none")

    if s["contacts"]:
        contacts = Table(title="contacts", title_justify="left")
        for col in ("role", "responsibility", "contact"):
            contacts.add_column(col, overflow="fold")
        for person in s["contacts"]:
            contacts.add_row(*(escape(person[k]) for k in ("role", "responsibility", "contact")))
        c.print(contacts)
    for name in s["missing_env"]:
        c.print(
            f"[yellow]note[/]: ${escape(name)} is not set here; commands that reach that "
            "site will need it."
        )


def _render_reach(c: Console, s: dict[str, Any]) -> None:
    """Whose storage_options reach each location (when a site has any), and the gaps."""
    if any(site["storage_options"] for site in s["sites"].values()):
        reach = Table(title="whose storage_options reach each location", title_justify="left")
        for col in ("field", "location", "options of"):
            reach.add_column(col, overflow="fold")
        for r in s["storage_reach"]:
            site = r["options_of"] or "none: the environment's"
            reach.add_row(escape(r["field"]), escape(r["location"]), escape(site))
        c.print(reach)
    for note in s["storage_notes"]:
        c.print(f"[yellow]note[/]: {escape(note)}", soft_wrap=True)
