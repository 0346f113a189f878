"""`--engine threads|spark` and `--spark-master`: the options every copying command shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from standby.config import Config
    from standby.engines import CopyExecutor

EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Where copies run: threads (this machine) or spark. Default: engine in "
        "standby.yml, else threads.",
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help="Spark master for --engine spark (local[4], spark://host:7077). Default: the "
        "active SparkSession (inside a Databricks job).",
    ),
]


@contextmanager
def copy_executor(
    engine: str | None, spark_master: str | None, *, config: Config | None = None
) -> Iterator[CopyExecutor]:
    """The executor the flags (else standby.yml) ask for; a Spark session started for it is
    stopped at the end."""
    from standby.cli.context import optional_config  # pydantic: not for `table --help`
    from standby.engines.choose import close_executor, make_executor

    if config is None and engine != "threads":
        config = optional_config()
    executor = make_executor(engine, spark_master=spark_master, config=config)
    try:
        yield executor
    finally:
        close_executor(executor)
