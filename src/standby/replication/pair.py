"""A table to replicate: its source, its replica, each side's storage options, and what
standby.yml says of it. Light on purpose: a one-pass `replicate` names its pairs without
loading the follow loop and its metrics (prometheus_client)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from standby.storage import ObjectStore, open_store
from standby.storage.overlap import refuse_overlap


@dataclass(frozen=True)
class Pair:
    """A source and where it is replicated to, with each side's storage options (secret
    values among them: kept out of repr, equality and hashing), and what standby.yml says
    of the table: its Unity Catalog name and tier, when it gives them."""

    source: str
    target: str
    rpo_seconds: float | None = None
    source_options: Mapping[str, str] | None = field(default=None, compare=False, repr=False)
    target_options: Mapping[str, str] | None = field(default=None, compare=False, repr=False)
    name: str | None = None
    tier: str | None = None

    def stores(self) -> tuple[ObjectStore, ObjectStore]:
        return (
            open_store(self.source, options=self.source_options),
            open_store(self.target, options=self.target_options),
        )

    def labels(self) -> tuple[str, str]:
        """The metrics' labels: (table, tier); a table without a name is its replica URI."""
        return self.name or self.target, self.tier or ""

    def refuse_overlap(self) -> None:
        """OverlappingLocations when the target is the source, inside it, or holds it."""
        refuse_overlap(
            self.source,
            self.target,
            source_options=self.source_options,
            target_options=self.target_options,
        )
