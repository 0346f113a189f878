"""Where copy work runs: a thread pool on this machine (default); Spark for scale-out."""

from __future__ import annotations

from standby.engines.base import CopyExecutor, CopyStats, CopyTask, NullProgress, Progress
from standby.engines.threads import ThreadExecutor

__all__ = ["CopyExecutor", "CopyStats", "CopyTask", "NullProgress", "Progress", "ThreadExecutor"]


def default_executor() -> CopyExecutor:
    return ThreadExecutor()
