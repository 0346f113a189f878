"""Issue 9, item 2: a source that vanished (its path, its log, its bucket) is an error
everywhere: `replicate` exits 1 (SourceGone: the DR event, a problem found, not bad input)
saying the source is gone; `status` says so (exit 1); `--follow` counts it in
standby_errors_total and stops advancing standby_last_success_timestamp_seconds, and
resumes when the same table is back."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from standby.errors import SourceGone
from standby.replication import replicate_table
from standby.replication.follow import Metrics, follow
from standby.replication.pair import Pair
from tests.replication._support import cli, grow
from tests.servers import Root, S3Server, _request


def _delete_bucket(root: Root, server: S3Server) -> None:
    store = root.store()
    for info in list(store.list("")):
        store.delete(info.path)
    bucket = root.uri.split("://", 1)[1].split("/", 1)[0]
    _request(server.server.url, "DELETE", f"/{bucket}")


@pytest.mark.parametrize("how", ["path", "log"])
def test_a_vanished_local_source_is_exit_1_everywhere(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    replicate_table(str(source), str(replica))
    shutil.rmtree(source if how == "path" else source / "_delta_log")

    code, _, err = cli(capsys, "replicate", str(source), str(replica))
    assert code == 1 and "is gone" in err, err
    with pytest.raises(SourceGone):
        replicate_table(str(source), str(replica))

    code, out, _ = cli(capsys, "--json", "status", str(source), str(replica))
    (row,) = json.loads(out)["tables"]
    assert code == 1 and not row["ok"] and row["problem"] == "source_gone"
    assert row["replica_version"] == 2 and "gone" in row["detail"]
    assert cli(capsys, "verify", str(replica))[0] == 0  # the replica itself is whole


def test_a_deleted_bucket_is_a_gone_source(
    make_root: Callable[[str], Root], s3_server: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    src_root, dst_root = make_root("s3"), make_root("s3")
    source, replica = src_root.join("t"), dst_root.join("t")
    grow(source, 2, options=src_root.storage_options)
    replicate_table(source, replica)
    _delete_bucket(src_root, s3_server)

    code, _, err = cli(capsys, "replicate", source, replica)
    assert code == 1 and "is gone" in err, err
    code, out, _ = cli(capsys, "--json", "status", source, replica)
    assert code == 1 and json.loads(out)["tables"][0]["problem"] == "source_gone"


def test_never_replicated_and_no_source_stays_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "replicate", str(tmp_path / "typo"), str(tmp_path / "dst"))
    assert code == 2 and "not a Delta table" in err


def _sample(metrics: Metrics, name: str, table: str) -> float:
    value = metrics.registry.get_sample_value(name, {"table": table, "tier": ""})
    assert value is not None, name
    return float(value)


def test_following_a_vanished_source_counts_errors_and_stops_the_success_clock(
    tmp_path: Path,
) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 3)
    pair = Pair(str(source), str(replica))
    metrics, stop = Metrics([pair]), threading.Event()
    table = str(replica)
    thread = threading.Thread(
        target=follow, args=([pair],), kwargs={"interval": 0.02, "stop": stop, "metrics": metrics}
    )
    thread.start()
    try:
        success = "standby_last_success_timestamp_seconds"
        while _sample(metrics, success, table) == 0:
            time.sleep(0.01)
        moved = source.rename(tmp_path / "away")
        time.sleep(0.3)  # a pass that began before the move may still finish
        last = _sample(metrics, success, table)
        errors = _sample(metrics, "standby_errors_total", table)
        time.sleep(0.5)
        assert _sample(metrics, success, table) == last, "a pass over no source succeeded"
        assert _sample(metrics, "standby_errors_total", table) >= errors + 5
        moved.rename(source)  # the same table is back: following resumes
        deadline = time.monotonic() + 10
        while _sample(metrics, success, table) == last:
            assert time.monotonic() < deadline, "following did not resume"
            time.sleep(0.01)
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=30)
