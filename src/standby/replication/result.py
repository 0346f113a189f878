"""What one replication pass reports: the --json contract of `replicate`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

History = Literal["checkpoint", "all"]  # where a new replica starts: see Replicator._seed


@dataclass
class TableReplication:
    """What one pass did; the --json contract of `replicate`."""

    source: str
    target: str
    from_version: int | None  # first version published by this pass
    to_version: int | None  # the replica's version after it
    files_copied: int
    bytes_copied: int
    commits_published: int
    seconds: float
    complete_from: int | None = None
    vacuumed_files: int = 0
    source_version: int | None = None
    dry_run: bool = False
    interrupted: bool = False  # stopped early: a valid replica at `to_version`; rerun to finish
