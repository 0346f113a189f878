"""The demo's backups section: a policy in standby.yml, nightly runs, the catalog, a prune
under the retention, and a restore."""

from __future__ import annotations

import deltalake
import yaml

from standby.backup import Catalog, policy_targets, prune, restore_backup, run_backups
from standby.backup.catalog import list_backups
from standby.config import load_config
from standby.demo.lakehouse import DemoLakehouse, Narrator
from standby.demo.summary import BackupStory

POLICY = {
    "name": "nightly",
    "root": "backup",  # the DR site's backup root
    "kind": "deep",
    "schedule": "0 2 * * *",
    "retention": {"keep_last": 1, "keep_daily": 7, "keep_weekly": 4},
}


def backup_section(lake: DemoLakehouse, narrator: Narrator, *, number: int = 9) -> BackupStory:
    """Add a backup policy to the demo's standby.yml and walk through a backup's life."""
    config_path = lake.config if lake.config.exists() else lake.write_config()
    data = yaml.safe_load(config_path.read_text())
    backups = lake.root / "us-west-2" / "backups"
    data["sites"]["dr"]["storage"]["backup"] = str(backups)
    names = [t["table"] for t in data["protected"]["tables"]]
    data["backups"] = {"policies": [{**POLICY, "tables": names}]}
    config_path.write_text(yaml.safe_dump(data, sort_keys=False))
    config = load_config(config_path)
    cli = f"standby --config {config_path} backup"

    narrator.section(f"{number}. Backups: a policy, three runs, the catalog, a prune, a restore")
    (policy,) = config.backups.policies
    narrator.note(
        f"standby.yml now has a backup policy: {policy.name}, {policy.kind} clones of "
        f"{len(names)} tables to {backups}, keeping {policy.retention.describe()}"
    )
    made = 0
    for _ in range(3):
        narrator.command(f"{cli} run")
        run = run_backups(policy_targets(config))
        made += len(run.backups)
        narrator.show(run, "backup-run")
    txn = names[0]
    catalog = Catalog(str(backups))
    narrator.command(f"{cli} list --table {txn}")
    narrator.show(list_backups([catalog], table=txn), "backup-list")
    narrator.note("three runs on one day: 'daily' keeps the day's newest, 'last 1' the newest")
    narrator.command(f"{cli} prune")
    pruned = prune(policy, str(backups))
    narrator.show([pruned], "backup-prune")

    newest = list_backups([catalog], table=txn)[-1]
    target = lake.root / "us-west-2" / "restored" / txn.replace(".", "/")
    narrator.note(f"restore the newest backup of {txn} as a new table, to compare before use:")
    narrator.command(f"{cli} restore {newest.id} --to {target}")
    narrator.show(restore_backup([catalog], newest.id, str(target)), "backup-restore")
    source = str(config.protected_table(name=txn).location)  # type: ignore[union-attr]
    same = _rows(str(target)) == _rows(source)
    narrator.note(f"the restored table reads the same rows as {txn}: {same}")
    return BackupStory(
        policy.name, 3, made, len(pruned.kept), len(pruned.deleted), str(target), same
    )


def _rows(uri: str) -> list[dict[str, object]]:
    return sorted(deltalake.DeltaTable(uri).to_pyarrow_table().to_pylist(), key=repr)
