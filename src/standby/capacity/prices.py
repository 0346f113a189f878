"""Storage request prices per cloud, and what standby asks of storage per poll and per file.

Prices are public list prices in USD per 1,000 requests (US East; S3 Standard, Azure Blob
hot LRS, GCS Standard), as published in 2025. They are an assumption of the model, not a
measurement: a contract, a region or a later price change moves them.

The request counts are measured: tests/replication/test_costs.py pins that a quiet follow
poll lists each log once (2 LISTs), and what one small commit costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Cloud = Literal["aws", "azure", "gcp"]
CLOUDS: tuple[Cloud, ...] = ("aws", "azure", "gcp")
PART = 8 << 20  # multipart part size of standby's streamed puts (obstore_backend)


@dataclass(frozen=True)
class Price:
    """USD per 1,000 requests of each class."""

    list: float
    write: float
    read: float


LIST_PRICES: dict[Cloud, Price] = {
    "aws": Price(list=0.005, write=0.005, read=0.0004),  # LIST and PUT class; GET and HEAD
    "azure": Price(list=0.0065, write=0.0065, read=0.0005),  # $0.065 / $0.005 per 10,000
    "gcp": Price(list=0.005, write=0.005, read=0.0004),  # class A; class B
}


def cloud_of(url: str) -> Cloud | None:
    """The cloud a storage URL is on (None for a local path)."""
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    if scheme in ("s3", "s3a"):
        return "aws"
    if scheme == "gs":
        return "gcp"
    return None if scheme == "file" else "azure"


@dataclass
class Requests:
    """Requests per day, by class."""

    list: float = 0.0
    read: float = 0.0
    write: float = 0.0

    def __iadd__(self, other: Requests) -> Requests:
        self.list += other.list
        self.read += other.read
        self.write += other.write
        return self

    def cost(self, cloud: Cloud) -> float:
        p = LIST_PRICES[cloud]
        return (self.list * p.list + self.read * p.read + self.write * p.write) / 1000

    @property
    def total(self) -> float:
        return self.list + self.read + self.write


def poll_requests(polls: float) -> Requests:
    """A quiet poll lists the source log and the replica log once each."""
    return Requests(list=2 * polls)


def commit_requests(commits: int, sizes: list[int]) -> Requests:
    """Replicating `commits` commits that add files of `sizes` bytes, each in a pass of its
    own (a follower that polls faster than the table commits; a pass that finds several
    commits costs less).

    Per pass: read the new commit and the source's commit at the replica's version (the
    replica's identity), read the replica's state twice (before it is written, so that a
    promotion is never lost) and write it with the commit. Per file: a head on the replica
    (is it there?), a read at the source, and its put: one request, or a multipart upload
    (create, one per 8 MiB part, complete) above one part.
    """
    writes = sum(1 if s <= PART else -(-s // PART) + 2 for s in sizes)
    return Requests(read=4 * commits + 2 * len(sizes), write=2 * commits + writes)
