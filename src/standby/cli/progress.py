"""A rich progress bar for copy work, on stderr and only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from standby.cli.output import error_console, flags
from standby.engines import NullProgress
from standby.engines import Progress as ProgressSink


class RichProgress:
    def __init__(self, bar: Progress, label: str):
        self.bar = bar
        self.label = label
        self.task: TaskID | None = None

    def start(self, files: int, total_bytes: int) -> None:
        if files:
            self.task = self.bar.add_task(
                f"{self.label} {files} file(s)", total=total_bytes or None
            )

    def advance(self, nbytes: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, nbytes)

    def finish(self) -> None:
        return None


@contextmanager
def copy_progress(label: str) -> Iterator[ProgressSink]:
    """A progress sink: a bar when stderr is a terminal and not --json, else silent."""
    if flags().json or not sys.stderr.isatty():
        yield NullProgress()
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=error_console(), transient=True) as bar:
        yield RichProgress(bar, label)
