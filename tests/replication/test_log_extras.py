"""Issue 9, item 11 (replication's part): `.crc` files travel with their commit, published
after it, never before, and a source's crc written late still arrives; a malformed crc is
not copied and breaks nothing. Temporary files that killed local copies leave beside data
files (`.NAME.<uuid>.tmp`) are swept from the replica by a pass, once they are old enough
that no live copy is still writing them; a live copy whose file is swept anyway fails
cleanly, publishing nothing partial."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path

import deltalake
import pytest

from standby.integrity import safe_point, verify
from standby.replication import Replicator, read_state, replicate_table
from standby.replication.replicator import SWEEP_EVERY_SECONDS
from standby.replication.sweep import SWEEP_AGE_SECONDS, sweep_temporaries
from standby.storage import ObjectStore, open_store
from standby.storage.base import PutMode
from tests.faults import CountingStore, StoreWrapper
from tests.replication._support import grow
from tests.tables.reading import read, same_rows

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "delta-rs"
WITH_CRC = CORPUS / "simple_table_with_cdc"


def _crcs(root: Path) -> dict[str, bytes]:
    log = root / "_delta_log"
    return {p.name: p.read_bytes() for p in sorted(log.glob("[0-9]*.crc"))}


class RecordingStore(StoreWrapper):
    """Remembers the order of puts (a real store underneath)."""

    def __init__(self, inner: ObjectStore):
        super().__init__(inner)
        self.puts: list[str] = []

    def put(self, path: str, data: bytes | Iterable[bytes], *, mode: PutMode = "overwrite") -> None:
        super().put(path, data, mode=mode)
        self.puts.append(path)


@pytest.mark.parametrize("history", ["checkpoint", "all"])
def test_crc_files_arrive_after_their_commit(history: str, tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(WITH_CRC, source)
    assert _crcs(source), "the corpus table has crc files"
    target = RecordingStore(open_store(str(tmp_path / "dst")))
    Replicator(open_store(str(source)), target, history=history).run()  # type: ignore[arg-type]
    assert _crcs(tmp_path / "dst") == _crcs(source)
    for name in _crcs(source):
        crc = f"_delta_log/{name}"
        commit = crc.replace(".crc", ".json")
        assert target.puts.index(commit) < target.puts.index(crc), target.puts
    assert same_rows(read(str(tmp_path / "dst")), read(str(source)))


def test_a_crc_written_after_its_commit_arrives_on_a_quiet_pass(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    shutil.copytree(WITH_CRC, source)
    late = source / "_delta_log" / f"{2:020d}.crc"
    held = late.read_bytes()
    late.unlink()
    follower = Replicator(open_store(str(source)), open_store(str(replica)))
    follower.run()
    assert f"{2:020d}.crc" not in _crcs(replica)
    late.write_bytes(held)  # the writer of version 2 writes its crc now
    follower.run()
    assert _crcs(replica)[f"{2:020d}.crc"] == held
    # and once all are there, a quiet poll reads nothing but the two listings
    src, dst = CountingStore(open_store(str(source))), CountingStore(open_store(str(replica)))
    follower.src = follower.src_log.store = src
    follower.dst = follower.dst_log.store = dst
    follower.run()
    assert dict(src.calls) == {"list": 1} and dict(dst.calls) == {"list": 1}


def test_a_malformed_crc_is_not_copied_and_breaks_nothing(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    shutil.copytree(WITH_CRC, source)
    bad = source / "_delta_log" / f"{1:020d}.crc"
    bad.write_bytes(b'{"tableSizeBytes": 1, trunc')
    result = replicate_table(str(source), str(replica), history="all")
    assert result.to_version == 2
    crcs = _crcs(replica)
    assert f"{1:020d}.crc" not in crcs and f"{2:020d}.crc" in crcs
    assert deltalake.DeltaTable(str(replica)).version() == 2
    assert same_rows(read(str(replica)), read(str(source)))
    assert verify(str(replica)).ok and safe_point(str(replica)).version == 2


# --- temporaries of killed copies ------------------------------------------------------


def _slow_put(root: str, path: str, release: str) -> None:
    """In a child process: a put whose data arrives slowly, until `release` exists."""

    def chunks() -> Iterator[bytes]:
        yield b"x" * 1000
        while not os.path.exists(release):
            time.sleep(0.01)
        yield b"y" * 1000

    try:
        open_store(root).put(path, chunks())
    except Exception as e:  # reported to the parent through the exit code
        print(f"put failed: {e}")
        os._exit(3)
    os._exit(0)


def _temporaries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob(".*.tmp"))


def _start_put(replica: Path, tmp_path: Path, name: str) -> BaseProcess:
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(
        target=_slow_put, args=(str(replica), f"part=0/{name}", str(tmp_path / f"go-{name}"))
    )
    proc.start()
    deadline = time.monotonic() + 10
    while not any(name in p.name for p in _temporaries(replica)):
        assert time.monotonic() < deadline and proc.is_alive(), "the copy never started"
        time.sleep(0.01)
    return proc


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_pass_sweeps_what_killed_copies_left_and_spares_live_ones(tmp_path: Path) -> None:
    source, replica = tmp_path / "src", tmp_path / "dst"
    grow(str(source), 2)
    offset = 0.0  # one-shot runs, each a Replicator of its own, at now + offset

    def one_shot() -> None:
        clock = lambda: time.time() + offset  # noqa: E731
        Replicator(open_store(str(source)), open_store(str(replica)), clock=clock).run()

    one_shot()  # makes the replica, and sweeps (nothing yet)
    killed = _start_put(replica, tmp_path, "killed.parquet")
    killed.kill()
    killed.join()
    (left,) = _temporaries(replica)
    live = _start_put(replica, tmp_path, "live.parquet")
    _age(left, SWEEP_AGE_SECONDS + 60)
    grow(str(source), 1, start=100)

    one_shot()  # the last sweep was just now: this run does not walk the replica
    assert len(_temporaries(replica)) == 2
    offset = SWEEP_EVERY_SECONDS
    one_shot()  # sweeps: the killed copy's file is old, the live one is recent
    assert left not in _temporaries(replica) and len(_temporaries(replica)) == 1
    state = read_state(open_store(str(replica)))
    assert state is not None and state.swept_at_ms is not None

    (tmp_path / "go-live.parquet").touch()  # the live copy finishes untouched
    live.join(10)
    assert live.exitcode == 0
    assert (replica / "part=0" / "live.parquet").stat().st_size == 2000
    assert _temporaries(replica) == []
    assert deltalake.DeltaTable(str(replica)).version() == 2


def test_a_live_copy_whose_temporary_is_swept_fails_without_a_partial_object(
    tmp_path: Path,
) -> None:
    replica = tmp_path / "dst"
    replica.mkdir()
    stalled = _start_put(replica, tmp_path, "stalled.parquet")
    (found,) = _temporaries(replica)
    _age(found, SWEEP_AGE_SECONDS + 60)  # a copy stalled longer than the sweep waits
    assert sweep_temporaries(open_store(str(replica)).url) == [str(found.relative_to(replica))]
    (tmp_path / "go-stalled.parquet").touch()
    stalled.join(10)
    assert stalled.exitcode == 3
    assert not (replica / "part=0" / "stalled.parquet").exists()
