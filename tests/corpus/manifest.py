"""The corpus manifest: what each real table must do under each operation (manifest.yml).

Tests take their tables from here, never from what a reader manages at collection time, so
a table that changes side (starts or stops being readable, refused, whole) fails a test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from standby import errors
from standby.errors import StandbyError

SHARED = Path(__file__).resolve().parents[3] / "shared"
ROOTS = ("corpus", "corpus-kernel")
MANIFEST = Path(__file__).resolve().parent / "manifest.yml"
OPERATIONS = ("clone", "replicate", "restore", "backup")


@dataclass(frozen=True)
class Expectation:
    """One table's entry: how results are judged, and what each operation must do."""

    name: str  # relative to ../shared, e.g. corpus-kernel/type-widening
    read: str  # deltalake | snapshot | none
    why: str = ""
    refuse: dict[str, str] = field(default_factory=dict)
    verify: str = "ok"
    safe_point: str | int = "latest"

    @property
    def path(self) -> Path:
        return SHARED / self.name

    @property
    def uri(self) -> str:
        return str(self.path)

    def refusal(self, operation: str) -> str | None:
        """The refusal the manifest expects of `operation`, or None when it must work."""
        if self.read == "none":
            return "TableNotFound"
        return self.refuse.get(operation)

    def __str__(self) -> str:
        return self.name


def load() -> list[Expectation]:
    entries: dict[str, dict[str, Any]] = yaml.safe_load(MANIFEST.read_text())
    out = []
    for name, entry in entries.items():
        unknown = set(entry) - {"read", "why", "refuse", "verify", "safe_point"}
        assert not unknown, f"{name}: unknown keys {unknown}"
        assert entry["read"] in ("deltalake", "snapshot", "none"), name
        assert set(entry.get("refuse") or {}) <= set(OPERATIONS), name
        out.append(
            Expectation(
                name=name,
                read=entry["read"],
                why=entry.get("why", ""),
                refuse=dict(entry.get("refuse") or {}),
                verify=entry.get("verify", "ok"),
                safe_point=entry.get("safe_point", "latest"),
            )
        )
    return out


def on_disk() -> list[str]:
    """Every directory of the corpora holding a `_delta_log`, plus the corpus's one
    pretender (`golden`, test data of delta-rs with no log)."""
    found = {
        str(p.parent.relative_to(SHARED))
        for root in ROOTS
        for p in (SHARED / root).rglob("_delta_log")
    }
    return sorted(found | {"corpus/delta-rs/golden"})


TABLES = load()
BY_NAME = {e.name: e for e in TABLES}


def tables(*, read: tuple[str, ...] = ("deltalake", "snapshot", "none")) -> list[Expectation]:
    return [e for e in TABLES if e.read in read]


def working(operation: str, *, read: tuple[str, ...] = ("deltalake", "snapshot")) -> list[Any]:
    """Tables the operation must work on, as pytest params with the table's name as id."""
    return [pytest.param(e, id=e.name) for e in tables(read=read) if not e.refusal(operation)]


def refusing(operation: str) -> list[Any]:
    return [pytest.param(e, id=e.name) for e in TABLES if e.refusal(operation)]


def everything() -> list[Any]:
    return [pytest.param(e, id=e.name) for e in TABLES]


def assert_refused(expected: str, run: Callable[[], object], *, target: Path | None) -> None:
    """`run` fails with the class the manifest names, whose message names its words, and
    leaves `target` (when given) empty or absent."""
    cls_name, _, words = expected.partition(": ")
    cls = getattr(errors, cls_name)
    with pytest.raises(StandbyError) as caught:
        run()
    assert isinstance(caught.value, cls), f"expected {cls_name}, got {caught.value!r}"
    for word in words.split(", ") if words else []:
        assert word in caught.value.message, (word, caught.value.message)
    assert errors.exit_code_for(caught.value) in (2, 5)
    if target is not None and target.exists():
        written = [p for p in target.rglob("*") if p.is_file()]
        assert not [p for p in written if "_delta_log" in p.parts], f"half-written: {written}"


def copy_table(e: Expectation, to: Path) -> Path:
    """A writable copy of a read-only corpus table."""
    shutil.copytree(e.path, to, copy_function=shutil.copyfile)
    for p in [to, *to.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return to
