"""`standby.backup_run` and the other backup entry points: standby.yml's policies, each
location reached with its site's storage options (the environment reaches no S3 here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import standby
from tests.replication.test_site_options import closed_port
from tests.servers import Root
from tests.tables.builders import history_table
from tests.tables.reading import read, same_rows
from tests.test_site_storage import write_config


def test_backups_through_the_library_reach_s3_with_the_sites_options(
    tmp_path: Path, make_root: Callable[[str], Root], monkeypatch: pytest.MonkeyPatch
) -> None:
    dr = make_root("s3")  # the backup root; standby.yml names its endpoint and secret by env
    monkeypatch.setenv("DR_S3_ENDPOINT", dr.storage_options["AWS_ENDPOINT_URL"])
    monkeypatch.setenv("DR_S3_SECRET", dr.storage_options["AWS_SECRET_ACCESS_KEY"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port())  # the environment alone fails
    table = tmp_path / "lake" / "sales" / "t"
    history_table(str(table))
    config = standby.load_config(write_config(tmp_path, dr, table))

    run = standby.backup_run(config)
    assert not run.failures and [b.source_version for b in run.backups] == [4]
    (listed,) = standby.backup_list(config, table="sales.x.t")
    assert listed.id == run.backups[0].id and listed.state == "verified"
    checked = standby.backup_verify(config, read_data=True)
    assert checked.ok and [b.id for b in checked.backups] == [listed.id]
    restored = dr.join("restored", "t")
    done = standby.backup_restore(config, listed.id, restored)
    assert done.target_version == 0
    assert same_rows(read(restored, storage_options=dr.storage_options), read(str(table)))
    (pruned,) = standby.backup_prune(config, dry_run=True)
    assert pruned.policy == "nightly" and not pruned.deleted  # keep_last 2 keeps the one
    with pytest.raises(standby.Unreachable):  # what the library adds: the site's options
        standby.history(dr.join("restored", "t"))
