"""Acceptance 3 of scale-out: no secret leaves the driver. A canary secret in the sites'
storage options (as `{env: NAME}`, the only way standby.yml takes one) never appears in
what Spark ships to executors (the pickled task function and the partition data, taken
where pyspark serializes them), in the event log, or in the driver's and executors' logs.
Executors read secrets from their own environment: a variable only the driver has fails
the copy with a message naming it.
"""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyspark.core import rdd as pyspark_rdd
from pyspark.core.context import SparkContext

from standby.cli import main
from standby.engines.refs import StoreRef
from tests.engines.spark_session import CANARY_ENV, SparkHandle
from tests.replication._support import assert_valid_replica
from tests.servers import Root
from tests.tables.builders import history_table
from tests.uploads import upload


class Shipped:
    """Every byte pyspark serializes for executors while armed: task functions, data."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.blobs: list[bytes] = []
        real_prepare = pyspark_rdd._prepare_for_python_RDD
        real_serialize = SparkContext._serialize_to_jvm

        def prepare(sc: SparkContext, command: Any) -> Any:
            prepared = real_prepare(sc, command)
            self.blobs.append(bytes(prepared[0]))
            return prepared

        def serialize(sc: SparkContext, data: Any, serializer: Any, *rest: Any) -> Any:
            items = list(data)
            buffer = io.BytesIO()
            serializer.dump_stream(iter(items), buffer)
            self.blobs.append(buffer.getvalue())
            return real_serialize(sc, items, serializer, *rest)

        monkeypatch.setattr(pyspark_rdd, "_prepare_for_python_RDD", prepare)
        monkeypatch.setattr(SparkContext, "_serialize_to_jvm", serialize)


def _sites(
    tmp_path: Path, make_root: Callable[[str], Root], secret_env: str
) -> tuple[Path, str, Root]:
    """A table on one S3 root, standby.yml replicating it to another: (config, source, dr)."""
    primary, dr = make_root("s3"), make_root("s3")
    history_table(str(tmp_path / "built"))
    source = upload(tmp_path / "built", primary, "sales/t")
    return _config(tmp_path, primary, dr, secret_env), source, dr


def _config(tmp_path: Path, primary: Root, dr: Root, secret_env: str) -> Path:
    options = (
        f"{{aws_access_key_id: {{env: AWS_ACCESS_KEY_ID}}, "
        f"aws_secret_access_key: {{env: {secret_env}}}, aws_region: us-east-1}}"
    )
    cfg = tmp_path / "standby.yml"
    cfg.write_text(
        "version: 1\nsites:\n"
        f"  primary: {{role: primary, storage: {{lake: '{primary.uri}'}}, "
        f"storage_options: {options}}}\n"
        f"  dr: {{role: dr, storage: {{lake: '{dr.uri}'}}, storage_options: {options}}}\n"
        "protected:\n  tables:\n"
        f"    - {{table: sales.x.t, location: '{primary.join('sales/t')}', tier: tier1}}\n"
    )
    return cfg


def _sizes(paths: list[Path]) -> dict[Path, int]:
    return {p: p.stat().st_size for p in paths}


def test_a_canary_secret_never_reaches_spark(
    spark: SparkHandle,
    make_root: Callable[[str], Root],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg, source, dr = _sites(tmp_path, make_root, CANARY_ENV)
    monkeypatch.setenv(CANARY_ENV, spark.canary)  # the driver has the secret too
    logs = [spark.executor_log, spark.jvm_log]
    before = _sizes(logs)
    shipped = Shipped(monkeypatch)

    code = main(["--config", str(cfg), "--json", "replicate", "--engine", "spark"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert json.loads(out.out)["tables"][0]["files_copied"] > 0
    assert assert_valid_replica(source, dr.join("sales/t"), options=dr.storage_options) == 4

    canary = spark.canary.encode()
    # A value shipped by mistake would be found: pickles keep strings as they are.
    assert canary in pickle.dumps(StoreRef("s3://b", (("aws_region", spark.canary),)))
    assert shipped.blobs and all(canary not in blob for blob in shipped.blobs)
    # What is shipped instead: the variable's name, for the executor to read.
    assert any(CANARY_ENV.encode() in blob for blob in shipped.blobs)
    events = spark.event_logs()
    assert events and all(canary not in p.read_bytes() for p in events)
    for log in logs:
        written = log.read_bytes()[before[log] :]
        assert canary not in written, log
    assert b"Running task" in spark.executor_log.read_bytes()[before[spark.executor_log] :]
    assert spark.canary not in out.out + out.err


def test_executors_read_secrets_from_their_own_environment(
    spark: SparkHandle,
    make_root: Callable[[str], Root],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg, _, dr = _sites(tmp_path, make_root, "STANDBY_TEST_DRIVER_ONLY")
    monkeypatch.setenv("STANDBY_TEST_DRIVER_ONLY", "testing")  # the executors lack it

    code = main(["--config", str(cfg), "replicate", "--engine", "spark"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "STANDBY_TEST_DRIVER_ONLY" in err and "executor" in err
    assert not [o for o in dr.store("sales/t").list("_delta_log/") if o.path.endswith(".json")]
