"""The Spark fixture: one session for the whole test session (Spark's start-up is seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engines.spark_session import SparkHandle, start_spark
from tests.servers import S3Server


@pytest.fixture(scope="session")
def spark(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkHandle]:
    handle = start_spark(tmp_path_factory.mktemp("spark"), s3_server.options)
    try:
        yield handle
    finally:
        handle.session.stop()
