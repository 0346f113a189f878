"""One local SparkSession per test session: `local[2,2]` (two cores, a failed task tried
twice), an event log, the driver's and executors' log4j logs at INFO in a file, and the
JVM's own output (Python worker stderr among it) in another: all of it for tests to read.

Local executors are processes the JVM starts, so they see the environment the JVM was
started with, as a cluster's executors see the cluster's: the S3 server's endpoint and a
canary secret are put there at start-up, under names the tests then refer to.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
MASTER = "local[2,2]"
LOG4J = """\
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {path}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{HH:mm:ss}} %p %c{{1}}: %m%n%ex
"""
CANARY_ENV = "STANDBY_TEST_CANARY_SECRET"


@dataclass
class SparkHandle:
    session: Any
    event_dir: Path
    jvm_log: Path
    executor_log: Path
    executor_env: dict[str, str]

    @property
    def canary(self) -> str:
        return self.executor_env[CANARY_ENV]

    def event_logs(self) -> list[Path]:
        return sorted(p for p in self.event_dir.rglob("*") if p.is_file())


@contextlib.contextmanager
def _launch_environment(env: Mapping[str, str], output: Path) -> Iterator[None]:
    """The JVM inherits `env` and writes its stdout and stderr to `output`; this process's
    own environment and descriptors are restored once it has started."""
    saved_env = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_fds = [os.dup(1), os.dup(2)]
    with output.open("ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved_fds[0], 1)
        os.dup2(saved_fds[1], 2)
        for fd in saved_fds:
            os.close(fd)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def start_spark(workdir: Path, storage_env: Mapping[str, str]) -> SparkHandle:
    from pyspark.sql import SparkSession

    event_dir = workdir / "events"
    event_dir.mkdir(parents=True)
    jvm_log, executor_log = workdir / "jvm.log", workdir / "executor.log"
    log4j = workdir / "log4j2.properties"
    log4j.write_text(LOG4J.format(path=executor_log))
    env = {
        **storage_env,
        "AWS_EC2_METADATA_DISABLED": "true",
        CANARY_ENV: f"canary-{uuid.uuid4().hex}",
        "PYSPARK_PYTHON": sys.executable,  # read by the driver when the context starts
        "SPARK_LOCAL_IP": "127.0.0.1",  # Spark's sockets on loopback only
        # Test-only store wrappers (tests.engines.faults) must import on the executors.
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    builder = (
        SparkSession.builder.master(MASTER)
        .appName("standby-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", event_dir.as_uri())
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log4j.as_uri()}")
        .config("spark.sql.shuffle.partitions", "2")
    )
    with _launch_environment(env, jvm_log):
        session = builder.getOrCreate()
    return SparkHandle(session, event_dir, jvm_log, executor_log, env)
