"""Fixtures of the failover tests: a two-region lakehouse on local disk or moto S3."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.failover.lakehouse import TwoRegions, two_regions
from tests.servers import Root, S3Server


@pytest.fixture
def lakehouse_on(
    tmp_path: Path,
    make_root: Callable[[str], Root],
    s3_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., TwoRegions]]:
    """lakehouse_on("local" | "s3", **config_extra): the lakehouse, torn down at the end."""
    stack: list[object] = []

    def build(kind: str, *, primary_root: Root | None = None, **extra: object) -> TwoRegions:
        primary, dr = primary_root or make_root(kind), make_root(kind)
        ctx = two_regions(tmp_path, primary, dr, s3_server, monkeypatch, **extra)
        stack.append(ctx)
        return ctx.__enter__()

    yield build
    for ctx in reversed(stack):
        ctx.__exit__(None, None, None)  # type: ignore[attr-defined]


@pytest.fixture
def lakehouse(lakehouse_on: Callable[..., TwoRegions]) -> TwoRegions:
    return lakehouse_on("local")
