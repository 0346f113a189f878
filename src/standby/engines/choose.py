"""Which engine runs a command's copies: `--engine`, else `engine:` in standby.yml, else
threads. The one place an executor is made from settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal, get_args

from standby.engines.base import CopyExecutor
from standby.engines.refs import EnvSecret, OptionRef, RootOptions, StoreRefs
from standby.engines.threads import ThreadExecutor
from standby.errors import BadInput

if TYPE_CHECKING:
    from standby.config import Config

EngineName = Literal["threads", "spark"]
ENGINES: tuple[str, ...] = get_args(EngineName)


def make_executor(
    engine: str | None = None,
    *,
    spark_master: str | None = None,
    config: Config | None = None,
) -> CopyExecutor:
    """The executor for a command: the flags given, else the config's `engine:`, else threads.

    Raises BadInput for an unknown engine name. Spark starts only when the first batch runs.
    """
    settings = config.engine if config is not None else None
    name = engine or (settings.kind if settings else "threads")
    if name not in ENGINES:
        raise BadInput(f"--engine must be one of {', '.join(ENGINES)}, not {name!r}.")
    if name == "threads":
        return ThreadExecutor()
    from standby.engines.spark import SparkExecutor  # pyspark only when asked for

    master = spark_master or (settings.spark_master if settings else None)
    roots = list(root_options(config)) if config is not None else []
    return SparkExecutor(master=master, refs=StoreRefs(roots))


def root_options(config: Config) -> Iterator[tuple[str, dict[str, OptionRef]]]:
    """Every storage root of every site with the options that apply to it, secrets as
    names: what Spark executors may be told."""
    from standby.config import EnvRef

    for site in config.sites.values():
        for url in site.storage.values():
            values = {k: site.storage_options[k] for k in site.option_names(url)}
            yield (
                url,
                {k: EnvSecret(v.env) if isinstance(v, EnvRef) else v for k, v in values.items()},
            )


def close_executor(executor: CopyExecutor) -> None:
    """Release what an executor started (a SparkSession); threads hold nothing."""
    close = getattr(executor, "close", None)
    if callable(close):
        close()


__all__ = ["ENGINES", "EngineName", "RootOptions", "close_executor", "make_executor"]
