"""Replication between every pair of backends the issue names: local -> local,
local <-> S3, S3 -> S3 (another bucket), S3 <-> Azure, Azure -> Azure. The replica reads
like the source, verify passes against it, and a second pass copies nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import deltalake
import pytest

from standby.integrity import verify
from standby.replication import replicate_table
from tests.servers import Root
from tests.tables.builders import batch, history_table
from tests.tables.reading import read, same_rows
from tests.uploads import upload

PAIRS = [
    ("local", "local"),
    ("local", "s3"),
    ("s3", "local"),
    ("s3", "s3"),
    ("s3", "azure"),
    ("azure", "s3"),
    ("azure", "azure"),
]


@pytest.mark.parametrize(("src_kind", "dst_kind"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_replicate_between_backends(
    src_kind: str, dst_kind: str, tmp_path: Path, make_root: Callable[[str], Root]
) -> None:
    built = tmp_path / "built"
    history_table(str(built))
    deltalake.DeltaTable(str(built)).create_checkpoint()
    deltalake.write_deltalake(str(built), batch(500, 5), mode="append")
    src_root, dst_root = make_root(src_kind), make_root(dst_kind)
    source = upload(built, src_root, "sales/t")
    target = dst_root.join("sales/t")
    first = replicate_table(source, target)
    assert first.to_version == 5 and first.files_copied > 0
    opts = {"storage_options": dst_root.storage_options} if dst_root.storage_options else {}
    assert same_rows(read(target, **opts), read(str(built)))
    assert verify(target, against=source, read_data=True).ok
    again = replicate_table(source, target)
    assert (again.commits_published, again.files_copied) == (0, 0)
