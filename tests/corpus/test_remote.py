"""corpus-kernel tables on S3 (moto's server): replicated (from the latest checkpoint and
with all history) and deep-cloned bucket to bucket, each replaying to the source's snapshot
with the same bytes. A representative subset, one table per shape, keeps the suite's time:
every table runs on local storage in the other tests of this folder."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from standby.integrity import verify
from standby.replication import replicate_table
from standby.tables import clone
from tests.corpus.manifest import BY_NAME
from tests.corpus.snapshots import assert_same_snapshot
from tests.servers import Root
from tests.uploads import upload

# One per shape the kernel corpus adds; each must work (the manifest refuses none of them).
REMOTE = [
    "corpus-kernel/v2-checkpoints-json-with-sidecars",
    "corpus-kernel/v2-checkpoints-parquet-with-sidecars",
    "corpus-kernel/v2-checkpoints-json-without-sidecars",
    "corpus-kernel/v2-classic-checkpoint-parquet",
    "corpus-kernel/v1-multi-part-partitioned-struct-stats-only",
    "corpus-kernel/compacted-log-files-table",
    "corpus-kernel/type-widening",
    "corpus-kernel/unshredded-variant",
    "corpus-kernel/data-reader-timestamp_ntz",
    "corpus-kernel/void-column",
    "corpus-kernel/cdf-column-mapping-id-mode",
    "corpus-kernel/cdf-table-with-cdc-and-dvs",
    "corpus-kernel/app-txn-checkpoint",
    "corpus-kernel/partitioned_with_materialize_feature",
    "corpus-kernel/with-short-dv",
    "corpus-kernel/crc-full",
]


def test_the_subset_is_of_tables_that_must_work() -> None:
    for name in REMOTE:
        e = BY_NAME[name]
        assert e.read != "none" and not e.refuse, name


@pytest.mark.parametrize("name", REMOTE)
def test_kernel_table_on_s3_replicates_and_clones(
    name: str, make_root: Callable[[str], Root]
) -> None:
    e = BY_NAME[name]
    root = make_root("s3")
    options = root.storage_options
    source = upload(e.path, root, "src")
    for history in ("checkpoint", "all"):
        replica = root.join(f"replica-{history}")
        replicate_table(
            source,
            replica,
            history=history,  # type: ignore[arg-type]
            source_options=options,
            target_options=options,
        )
        assert_same_snapshot(source, replica, new_table=False, options=options)
        assert verify(replica, against=source).ok
    deep = root.join("deep")
    clone(source, deep)
    assert_same_snapshot(source, deep, new_table=True, options=options)
