"""What the replication acceptance tests share: source tables that grow, a writer thread
that keeps committing, and the checks that make a replica valid.

A replica is valid when deltalake opens it at a version v no newer than the source, reads
the rows the source has at v, and every file its retained versions reference is there at
the size the log says (`standby verify`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import deltalake
import pyarrow as pa

from standby.cli import main
from standby.integrity import verify
from standby.storage import local_path, normalize
from tests.tables.builders import batch
from tests.tables.reading import read, same_rows

PARTITIONS = 4


def rows(start: int, n: int) -> pa.Table:
    """n rows spread over PARTITIONS partitions: one append writes PARTITIONS files."""
    return pa.table(
        {
            "id": pa.array(range(start, start + n), pa.int64()),
            "part": pa.array([i % PARTITIONS for i in range(start, start + n)], pa.int64()),
            "value": pa.array([f"value-{i}" * 4 for i in range(start, start + n)]),
        }
    )


def append(uri: str, start: int, n: int, *, options: dict[str, str] | None = None) -> None:
    deltalake.write_deltalake(
        uri, rows(start, n), mode="append", partition_by=["part"], storage_options=options
    )


def grow(
    uri: str,
    commits: int,
    *,
    start: int = 0,
    rows_per_commit: int = 8,
    checkpoint_every: int = 10,
    options: dict[str, str] | None = None,
) -> int:
    """Append `commits` commits (PARTITIONS files each), a checkpoint every
    `checkpoint_every` versions; returns the next row id."""
    for _ in range(commits):
        append(uri, start, rows_per_commit, options=options)
        start += rows_per_commit
        table = deltalake.DeltaTable(uri, storage_options=options)
        if table.version() % checkpoint_every == checkpoint_every - 1:
            table.create_checkpoint()
    return start


@dataclass
class Writer:
    """A thread that appends to a table every `every` seconds (a checkpoint every
    `checkpoint_every` versions) until stopped; records each commit's version and the
    wall time it was written."""

    uri: str
    every: float = 0.1
    start: int = 1_000_000
    checkpoint_every: int = 10
    options: dict[str, str] | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    committed: list[tuple[int, float]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    mutate: Callable[[int], None] | None = None  # replaces the append, given a counter

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="writer")

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stop_event.set()
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the writer did not stop"
        assert not self.errors, f"the writer failed: {self.errors[0]!r}"

    def _run(self) -> None:
        n = 0
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            try:
                if self.mutate is not None:
                    self.mutate(n)
                else:
                    append(self.uri, self.start + n * 8, 8, options=self.options)
                table = deltalake.DeltaTable(self.uri, storage_options=self.options)
                version = table.version()
                self.committed.append((version, time.time()))
                if version % self.checkpoint_every == self.checkpoint_every - 1:
                    table.create_checkpoint()
            except BaseException as e:  # reported by stop(): a writer failure fails the test
                self.errors.append(e)
                return
            n += 1
            next_at += self.every
            self.stop_event.wait(max(0.0, next_at - time.monotonic()))


def assert_valid_replica(
    source: str,
    replica: str,
    *,
    options: dict[str, str] | None = None,
    compare_rows: bool = True,
) -> int | None:
    """The replica is a valid table equal to the source at its version; returns that
    version, or None when no commit is visible yet (nothing was published: also valid).

    Equal means the same rows (compare_rows) or, cheaper, the same files at the same
    sizes as deltalake lists them: with every one of them present (verify), the same data.
    """
    try:
        table = deltalake.DeltaTable(replica, storage_options=options)
    except deltalake.exceptions.TableNotFoundError:
        _assert_no_commit(replica)
        return None
    version = table.version()
    source_version = deltalake.DeltaTable(source, storage_options=options).version()
    assert version <= source_version, (version, source_version)
    at_source = deltalake.DeltaTable(source, version=version, storage_options=options)
    assert _files(table) == _files(at_source), f"version {version} lists other files"
    if compare_rows:
        opts: dict[str, Any] = {"storage_options": options} if options else {}
        assert same_rows(read(replica, **opts), read(source, version, **opts)), version
    report = verify(replica)
    assert report.ok, [(p.kind, p.path, p.detail) for p in report.problems]
    assert report.version == version
    return version


def _files(table: deltalake.DeltaTable) -> set[tuple[str, int]]:
    actions = pa.table(table.get_add_actions(flatten=True))
    return set(zip(actions["path"].to_pylist(), actions["size_bytes"].to_pylist(), strict=True))


def _assert_no_commit(replica: str) -> None:
    if "://" in replica and not replica.startswith("file://"):
        return  # deltalake said there is no table; nothing more to look at remotely
    log = os.path.join(local_path(normalize(replica)), "_delta_log")
    if os.path.isdir(log):
        published = [n for n in os.listdir(log) if not n.startswith(".")]
        assert not published, f"deltalake cannot open a replica that holds {published}"


def data_files(root: str) -> dict[str, tuple[int, int, int]]:
    """Every data file under a local table root: relative path -> (size, inode, mtime_ns).

    A copy lands under a temporary name and is renamed into place, so a file copied again
    gets a new inode: comparing inodes tells a file left alone from one copied twice.
    """
    out: dict[str, tuple[int, int, int]] = {}
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("_delta_log", "_standby")]
        for name in names:
            if name.endswith(".tmp"):
                continue
            path = os.path.join(directory, name)
            st = os.stat(path)
            out[os.path.relpath(path, root)] = (st.st_size, st.st_ino, st.st_mtime_ns)
    return out


class Report:
    """Lines a test measured: kept in a file under its tmp dir and recorded as the test's
    "measured" property, which tests/replication/conftest.py prints at the end of the run
    (under xdist too, where a test's own output is not shown)."""

    def __init__(
        self, path: os.PathLike[str] | str, record_property: Callable[[str, object], None]
    ):
        self.path = path
        self.record = record_property
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        with open(self.path, "a") as f:
            f.write(line + "\n")
        self.record("measured", line.strip())


def protected_config(tmp: Path) -> tuple[Path, Path, Path]:
    """standby.yml of two local sites protecting one table (tier1): (config, source,
    replica)."""
    cfg, ((table, replica),) = protected_tables(tmp, [("sales/t", "sales.x.t", "tier1")])
    return cfg, table, replica


def protected_tables(
    tmp: Path, tables: list[tuple[str, str | None, str]]
) -> tuple[Path, list[tuple[Path, Path]]]:
    """standby.yml of two local sites protecting tables given as (path under the lake,
    Unity Catalog name or None, tier), each written with one commit: (config, [(source,
    replica)])."""
    primary, dr = tmp / "p" / "lake", tmp / "d" / "lake"
    dr.mkdir(parents=True)
    entries = []
    for path, name, tier in tables:
        deltalake.write_deltalake(str(primary / path), batch(0, 5))
        named = f"table: {name}, " if name else ""
        entries.append(f"    - {{{named}location: '{primary / path}', tier: {tier}}}\n")
    cfg = tmp / "standby.yml"
    cfg.write_text(
        "version: 1\nsites:\n"
        f"  primary: {{role: primary, storage: {{lake: '{primary}'}}}}\n"
        f"  dr: {{role: dr, storage: {{lake: '{dr}'}}}}\n"
        "protected:\n  tables:\n" + "".join(entries)
    )
    return cfg, [(primary / path, dr / path) for path, _, _ in tables]


def cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr); never a traceback."""
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Internal error" not in out.err, out.err
    return code, out.out, out.err


def tree_bytes(root: Path) -> dict[Path, bytes]:
    """Every file under `root` with its bytes: to check that nothing was written."""
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
