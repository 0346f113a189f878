"""What one replication pass did: the --json contract of `replicate`."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    files_missing: int = 0  # a dry run: files the latest version needs that the source lacks
    missing_files: list[str] = field(default_factory=list)  # all of them, for --json
