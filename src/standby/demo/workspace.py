"""The demo's workspace section: the primary sandbox's configuration exported, diffed
against the DR sandbox (drift: it is empty), synced into it, and diffed again (none)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager

import yaml

from standby.config import Config, load_config
from standby.demo.lakehouse import DemoLakehouse, Narrator
from standby.demo.summary import WorkspaceStory
from standby.sandbox import RunningSandbox
from standby.workspace.kinds.jobs import PAUSE_TAG
from standby.workspace.sites import diff_sides, export_site, sync_sites

TOKENS = {"primary": "STANDBY_DEMO_TOKEN_PRIMARY", "dr": "STANDBY_DEMO_TOKEN_DR"}


def workspace_section(
    lake: DemoLakehouse,
    primary: RunningSandbox,
    dr: RunningSandbox,
    narrator: Narrator,
    *,
    number: int = 10,
) -> WorkspaceStory:
    """Name both workspaces in the demo's standby.yml, then export, diff, sync, diff."""
    config_path = lake.config if lake.config.exists() else lake.write_config()
    data = yaml.safe_load(config_path.read_text())
    for name, sb in (("primary", primary), ("dr", dr)):
        workspace = {"kind": "sandbox", "host": sb.url, "token_env": TOKENS[name]}
        data["sites"][name]["workspace"] = workspace
        os.environ[TOKENS[name]] = sb.token  # where `standby` reads the token; never printed
    data["workspace_sync"] = {"secrets": {"provider": "env"}}
    config_path.write_text(yaml.safe_dump(data, sort_keys=False))
    config = load_config(config_path)
    cli = f"standby --config {config_path} config"

    narrator.section(f"{number}. Workspace configuration: export, diff, sync into the DR workspace")
    snapshot_dir = lake.root / "us-east-1" / "workspace-config"
    narrator.command(f"{cli} export --site primary --out {snapshot_dir}")
    snapshot = export_site(config, "primary", snapshot_dir)
    narrator.show((snapshot, snapshot_dir), "config-export")
    narrator.note("one file per object, ids rewritten to names: git-diffable, secrets by key only")
    narrator.command(f"{cli} diff primary dr")
    drift = diff_sides("primary", "dr", config)
    narrator.show(drift, "config-diff")
    narrator.note(
        "secret values come from the provider in standby.yml (here environment variables, "
        "filled from the primary sandbox, which stands in for your vault)"
    )
    narrator.command(f"{cli} sync --from primary --to dr")
    with _vault(config, primary):
        synced = sync_sites(config, "primary", "dr")
        narrator.show(synced, "config-sync")
        paused = sorted(
            f"{j.settings.name} ({j.settings.tags.get(PAUSE_TAG)} on the primary)"
            for j in dr.client().jobs.list()
            if j.settings and j.settings.tags and PAUSE_TAG in j.settings.tags
        )
        narrator.note(f"DR jobs arrive PAUSED, the primary's state in a tag: {', '.join(paused)}")
        narrator.command(f"{cli} diff primary dr")
        after = diff_sides("primary", "dr", config)
        narrator.show(after, "config-diff")
        narrator.command(f"{cli} sync --from primary --to dr")
        narrator.show(sync_sites(config, "primary", "dr"), "config-sync")
    return WorkspaceStory(
        objects_exported=sum(snapshot.counts().values()),
        drift_before_sync=len(drift.objects),
        changes_synced=len(synced.changes),
        secrets_set=len(synced.secrets_set),
        equal_after_sync=after.equal,
        jobs_paused_on_dr=paused,
    )


@contextmanager
def _vault(config: Config, primary: RunningSandbox) -> Iterator[None]:
    """The primary's secret values in the environment for the `env` provider, for the
    duration of the sync only (the sandbox answers secrets/get; Databricks does not)."""
    w = primary.client()
    names = []
    for scope in w.secrets.list_scopes():
        for item in w.secrets.list_secrets(str(scope.name)):
            value = w.secrets.get_secret(str(scope.name), str(item.key)).value or ""
            name = config.workspace_sync.secrets.env_var(str(scope.name), str(item.key))
            os.environ[name] = base64.b64decode(value).decode()
            names.append(name)
    try:
        yield
    finally:
        for name in names:
            os.environ.pop(name, None)


def forget_workspaces(lake: DemoLakehouse) -> str:
    """Take the stopped sandboxes out of the demo's standby.yml, so that what is left works
    after the demo (the lake, replication, backups), and say so: in the file, and returned."""
    for name in TOKENS.values():
        os.environ.pop(name, None)
    if not lake.config.exists():
        return "the demo did not get as far as writing standby.yml"
    data = yaml.safe_load(lake.config.read_text())
    for site in data.get("sites", {}).values():
        site.pop("workspace", None)
    data.pop("workspace_sync", None)
    again = "".join(
        f"#   standby sandbox up --name {site} --state {lake.workspace_state(site)} --port 0\n"
        for site in TOKENS
    )
    lake.config.write_text(
        yaml.safe_dump(data, sort_keys=False)
        + "# The demo's workspace sandboxes stopped with it; their entries were taken out.\n"
        + "# To serve them again (same state, same token), run, each in its own terminal:\n"
        + again
        + "# and add under each site: workspace: {kind: sandbox, host: <its url>, "
        + "token_env: <a variable holding its token>}\n"
    )
    return (
        f"{lake.config} works after the demo for the lake, replication and backups "
        f"(e.g. `standby --config {lake.config} status`). The workspace sandboxes stopped with "
        "the demo, so their entries were taken out; the file says how to serve them again."
    )
