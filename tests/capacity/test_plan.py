"""`standby plan`: requests per day per tier follow the tier's poll interval and the last
day's commits (read from the logs, by their own timestamps), priced per cloud; the worker
count covers the last day's volume in the window. The per-poll and per-commit request
counts the model uses are what a real pass costs (counted on moto S3)."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.replication import append_commit, make_history

from standby.capacity.prices import LIST_PRICES, commit_requests, poll_requests
from standby.cli import main
from standby.replication import Replicator
from standby.storage import open_store
from tests.faults import CountingStore
from tests.servers import Root
from tests.uploads import upload

DAY_MS = 86_400_000


def _commit(root: Path, version: int, *, ts: int, sizes: list[int]) -> None:
    (root / "_delta_log").mkdir(parents=True, exist_ok=True)
    actions: list[dict[str, object]] = [{"commitInfo": {"timestamp": ts, "operation": "WRITE"}}]
    if version == 0:
        actions += [
            {"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
            {
                "metaData": {
                    "id": f"id-{root.name}",
                    "format": {"provider": "parquet", "options": {}},
                    "schemaString": '{"type":"struct","fields":[]}',
                    "partitionColumns": [],
                    "configuration": {},
                }
            },
        ]
    for i, size in enumerate(sizes):
        name = f"part-{version:05d}-{i}.parquet"
        (root / name).write_bytes(os.urandom(size))
        actions.append(
            {"add": {"path": name, "size": size, "partitionValues": {}, "dataChange": True,
                     "modificationTime": 0}}
        )  # fmt: skip
    text = "\n".join(json.dumps(a) for a in actions) + "\n"
    (root / "_delta_log" / f"{version:020d}.json").write_text(text)


def _table(root: Path, *, old: int, new: int, size: int) -> None:
    """`old` commits two days ago, then `new` commits of one `size`-byte file each, now."""
    now = int(time.time() * 1000)
    for v in range(old):
        _commit(root, v, ts=now - 2 * DAY_MS, sizes=[size])
    for v in range(old, old + new):
        _commit(root, v, ts=now - 1000, sizes=[size])


def _config(tmp_path: Path) -> Path:
    lake = tmp_path / "primary"
    tables = {
        "a": ("tier1", 3, 4),
        "b": ("tier1", 0, 2),
        "c": ("tier2", 5, 1),
        "d": ("tier3", 1, 3),
    }
    entries = []
    for name, (tier, old, new) in tables.items():
        _table(lake / name, old=old, new=new, size=1000)
        entries.append(f"    - {{location: '{lake / name}', tier: {tier}}}\n")
    (tmp_path / "dr").mkdir()
    cfg = tmp_path / "standby.yml"
    cfg.write_text(
        "version: 1\nsites:\n"
        f"  primary: {{role: primary, storage: {{lake: '{lake}'}}}}\n"
        f"  dr: {{role: dr, storage: {{lake: '{tmp_path / 'dr'}'}}}}\n"
        "protected:\n  tables:\n" + "".join(entries)
    )
    return cfg


def test_plan_counts_requests_per_tier_from_intervals_and_the_last_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path)
    rates = ["--worker-mib-per-second", "0.01", "--worker-files-per-second", "1000"]
    code = main(["--config", str(cfg), "--json", "plan", "--window", "1m", *rates])
    out = capsys.readouterr()
    assert code == 0, out.err
    doc = json.loads(out.out)
    tiers = {t["tier"]: t for t in doc["tiers"]}
    t1, t2, t3 = tiers["tier1"], tiers["tier2"], tiers["tier3"]
    assert (t1["tables"], t1["poll_seconds"], t1["polls_per_day"]) == (2, 1, 2 * 86_400)
    assert (t2["poll_seconds"], t2["polls_per_day"]) == (60, 1_440)
    assert (t3["poll_seconds"], t3["polls_per_day"], t3["list_per_second"]) == (None, 0, 0.0)
    assert t1["requests_per_day"]["list"] == 2 * 2 * 86_400  # two logs a poll
    assert t1["list_per_second"] == 4.0
    assert [t["commits_per_day"] for t in (t1, t2, t3)] == [6, 1, 3]  # only the last day's
    assert [t["bytes_per_day"] for t in (t1, t2, t3)] == [6000, 1000, 3000]
    want = t1["requests_per_day"]
    aws = LIST_PRICES["aws"]
    cost = (want["list"] * aws.list + want["read"] * aws.read + want["write"] * aws.write) / 1000
    assert t1["cost_usd_per_day"]["aws"] == pytest.approx(cost, abs=1e-4)
    assert t1["cost_usd_per_day"]["azure"] > t1["cost_usd_per_day"]["aws"] > 0
    # 10,000 bytes in one minute at 0.01 MiB/s a worker
    assert doc["workers"] == math.ceil(10_000 / (0.01 * (1 << 20)) / 60)
    assert doc["files_last_day"] == 10


def test_the_request_model_is_what_a_pass_costs_on_s3(
    tmp_path: Path, make_root: Callable[[str], Root]
) -> None:
    built = tmp_path / "built"
    make_history(built, files=5, commits=3)  # with a checkpoint, as tables have
    src_root, dst_root = make_root("s3"), make_root("s3")
    source = upload(built, src_root, "t")
    replicator = Replicator(open_store(source), open_store(dst_root.join("t")))
    replicator.run()

    def counted_pass() -> dict[str, int]:
        src, dst = CountingStore(open_store(source)), CountingStore(open_store(dst_root.join("t")))
        replicator.src, replicator.dst = src, dst
        replicator.src_log.store, replicator.dst_log.store = src, dst
        replicator.run()
        calls = src.calls + dst.calls
        # A cross-bucket copy_from is the source's stream (counted there) and a put here.
        return {
            "list": calls["list"],
            "read": calls["get"] + calls["get_versioned"] + calls["stream"] + calls["head"],
            "write": calls["put"] + calls["copy_from"],
        }

    assert counted_pass() == vars(poll_requests(1))  # a quiet poll
    append_commit(built, 3, size=5000)
    store = src_root.store("t")
    for name in ("part-append-000003.snappy.parquet", "_delta_log/00000000000000000003.json"):
        store.put(name, (built / name).read_bytes())
    busy = commit_requests(1, [5000])
    busy += poll_requests(1)
    assert counted_pass() == vars(busy)
