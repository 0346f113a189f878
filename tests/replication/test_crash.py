"""Acceptance 2: SIGKILL a replicating process anywhere, while the source keeps receiving
commits; the replica stays a valid table, and the next run finishes the job without
copying again a file that was already complete.

Kill points are drawn four ways, so that every stage is hit, not only the long ones:
at a random time, when the k-th data file lands (between files), when the k-th commit
lands (between commits), and the moment a commit with a checkpoint lands (during its
checkpoint). The seed is printed; STANDBY_CRASH_SEED=<n> replays a run.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import deltalake

from standby.delta import DeltaLog, load_snapshot
from standby.delta.snapshot import object_path
from standby.integrity import referenced_since, verify
from standby.replication import read_state, replicate_table
from standby.storage import open_store
from tests.replication._processes import Forked, Running, Spawned
from tests.replication._support import (
    Report,
    Writer,
    assert_valid_replica,
    data_files,
    grow,
)
from tests.servers import Root

KILLS = 24  # forked CLI processes; two more are `python -m standby` itself
SPAWNED_KILLS = 2
SOURCE_COMMITS = 100  # 400 data files, 10 checkpoints
MODES = ("time", "file", "commit", "checkpoint")


def _commits(dst: str) -> list[int]:
    log = os.path.join(dst, "_delta_log")
    if not os.path.isdir(log):
        return []
    return sorted(int(n[:20]) for n in os.listdir(log) if len(n) == 25 and n.endswith(".json"))


def _checkpoints(root: str) -> set[int]:
    log = os.path.join(root, "_delta_log")
    if not os.path.isdir(log):
        return set()
    return {int(n[:20]) for n in os.listdir(log) if n.endswith(".checkpoint.parquet")}


def _count_files(dst: str) -> int:
    return len(data_files(dst)) if os.path.isdir(dst) else 0


class Trigger:
    """When to kill: a condition on the replica, polled every 0.2 ms."""

    def __init__(self, mode: str, rng: random.Random, *, dst: str, src: str, pass_seconds: float):
        self.mode, self.dst = mode, dst
        latest = deltalake.DeltaTable(src).version()
        done = max(_commits(dst), default=-1)
        self.at = time.monotonic() + rng.uniform(0.0, 1.3 * pass_seconds)
        self.files = _count_files(dst) + rng.randint(1, max(1, 4 * (latest - done)))
        self.commit = rng.randint(done + 1, max(done + 1, latest))
        self.checkpoints = {v for v in _checkpoints(src) if v > done}
        self.first_checkpoint = rng.choice(sorted(self.checkpoints) or [latest])

    def fired(self) -> bool:
        if self.mode == "time":
            return time.monotonic() >= self.at
        if self.mode == "file":
            return _count_files(self.dst) >= self.files
        commits = _commits(self.dst)
        if self.mode == "commit":
            return bool(commits) and commits[-1] >= self.commit
        return any(v in self.checkpoints and v >= self.first_checkpoint for v in commits)


def _run_and_kill(proc: Running, trigger: Trigger, deadline: float) -> bool:
    """Kill `proc` when the trigger fires; False if it finished first."""
    while proc.alive() and time.monotonic() < deadline:
        if trigger.fired():
            proc.kill()
            code = proc.wait()
            return code in (-9, 137)
        time.sleep(0.0002)
    code = proc.wait(timeout=120)
    assert code == 0, f"the run failed with exit {code} before it was killed"
    return False


def _phase(src: str, dst: str, checkpoints_at_start: set[int]) -> str:
    """Where the kill landed, from what the replica holds."""
    commits = _commits(dst)
    if not commits:
        return "seeding: files, no commit yet" if _count_files(dst) else "before any write"
    latest = commits[-1]
    if latest in checkpoints_at_start and latest not in _checkpoints(dst):
        return "between a commit and its checkpoint"
    snapshot = load_snapshot(DeltaLog(open_store(src)), latest)
    needed = {object_path(f.path) for f in snapshot.referenced_files()}
    if set(data_files(dst)) - needed:
        return "copying the files of commits not yet published"
    return "between commits"


def _referenced(dst: str) -> list:
    dl = DeltaLog(open_store(dst))
    listing = dl.list()
    state = read_state(dl.store)
    start = state.complete_from if state else min(listing.complete_checkpoints() or [0])
    return referenced_since(dl, listing, start)


def _assert_not_recopied(
    before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]
) -> None:
    """Files present before a run are the same files after it: same inode, same mtime."""
    for path, (size, ino, mtime) in before.items():
        assert path in after, f"{path} disappeared from the replica"
        assert after[path][1:] == (ino, mtime), f"{path} was copied again"
        assert after[path][0] == size


def test_sigkill_anywhere_leaves_a_valid_replica_and_resumes(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    seed = int(os.environ.get("STANDBY_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    report = Report(tmp_path / "crash-report.txt", record_property)
    report(f"\ncrash test: seed {seed} (STANDBY_CRASH_SEED={seed} replays it)")
    src = str(tmp_path / "source")
    grow(src, SOURCE_COMMITS)
    started = time.monotonic()
    calibration = replicate_table(src, str(tmp_path / "calibration"), history="all")
    pass_seconds = calibration.seconds
    report(f"one whole pass ({calibration.files_copied} files): {pass_seconds:.2f}s")

    kills, spawned_kills, chains, completions = 0, 0, 0, 0
    phases: Counter[str] = Counter()
    with Writer(src, every=0.5) as writer:
        while kills < KILLS or spawned_kills < SPAWNED_KILLS:
            chains += 1
            dst = str(tmp_path / f"replica-{chains}")
            history = ("all", "checkpoint")[chains % 2]
            for _ in range(rng.randint(1, 3)):
                spawn = kills >= KILLS or (spawned_kills < SPAWNED_KILLS and rng.random() < 0.1)
                mode = rng.choice(MODES[1:] if spawn else MODES)
                before = data_files(dst) if os.path.isdir(dst) else {}
                trigger = Trigger(mode, rng, dst=dst, src=src, pass_seconds=pass_seconds)
                checkpoints_at_start = _checkpoints(src)
                argv = ["replicate", src, dst, "--history", history]
                log = tmp_path / f"run-{chains}.log"
                proc = (Spawned if spawn else Forked)(argv, log, {})
                deadline = time.monotonic() + (20 if spawn else 5) + 3 * pass_seconds
                killed = _run_and_kill(proc, trigger, deadline)
                phase = _phase(src, dst, checkpoints_at_start) if killed else "finished first"
                phases[f"{mode}: {phase}"] += 1
                if killed:
                    spawned_kills += spawn
                    kills += not spawn
                assert_valid_replica(src, dst, compare_rows=spawn)
                _assert_not_recopied(before, data_files(dst))

            before = data_files(dst)
            result = replicate_table(src, dst, history=history)
            completions += 1
            after = data_files(dst)
            _assert_not_recopied(before, after)
            needed = {f.path: f.size for f in _referenced(dst)}
            complete = {p for p, st in before.items() if needed.get(p) == st[0]}
            missing = set(needed) - complete
            assert result.files_copied == len(missing), (result.files_copied, len(missing))
            assert set(needed) <= set(after)
            assert deltalake.DeltaTable(dst).version() == result.to_version
            assert verify(dst, against=src).ok
        assert_valid_replica(src, dst, compare_rows=True)
        assert writer.committed, "the source received no commit during the test"

    report(
        f"{kills} forked + {spawned_kills} `python -m standby` processes killed in "
        f"{chains} chains, {completions} completing runs, {len(writer.committed)} source "
        f"commits meanwhile, {time.monotonic() - started:.1f}s"
    )
    for phase, n in sorted(phases.items()):
        report(f"  {n:3}  {phase}")
    landed = {p.split(": ", 1)[1] for p in phases} - {"finished first"}
    assert len(landed) >= 3, f"the kills landed in too few stages: {phases}"


def _remote_state(dst: str) -> tuple[list[int], dict[str, int]]:
    """(published commits, data objects with sizes) of a replica on S3."""
    commits, data = [], {}
    for info in open_store(dst).list(""):
        if info.path.startswith("_delta_log/"):
            name = info.path.rsplit("/", 1)[1]
            if len(name) == 25 and name.endswith(".json"):
                commits.append(int(name[:20]))
        elif not info.path.startswith("_standby/"):
            data[info.path] = info.size
    return sorted(commits), data


S3_KILLS = 6


def test_sigkill_while_replicating_to_s3(
    tmp_path: Path,
    make_root: Callable[[str], Root],
    record_property: Callable[[str, object], None],
) -> None:
    """The same on S3 (moto): an object lands whole or not at all, so a killed upload
    leaves nothing a reader sees; the next run copies only what is missing."""
    seed = int(os.environ.get("STANDBY_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    report = Report(tmp_path / "crash-s3.txt", record_property)
    root = make_root("s3")
    env = dict(root.storage_options)
    src = str(tmp_path / "source")
    grow(src, 30)
    kills, runs = 0, 0
    while kills < S3_KILLS:
        runs += 1
        dst = root.join(f"replica-{runs}")
        latest = deltalake.DeltaTable(src).version()
        at_commit = rng.randint(0, latest)
        proc = Forked(["replicate", "--history", "all", src, dst], tmp_path / "s3.log", env)
        deadline = time.monotonic() + 60
        while proc.alive() and time.monotonic() < deadline:
            commits, _ = _remote_state(dst)
            if commits and commits[-1] >= at_commit:
                proc.kill()
                kills += proc.wait() == -9
                break
            time.sleep(0.005)
        else:
            assert proc.wait() == 0
        assert_valid_replica(src, dst, options=root.storage_options, compare_rows=False)
        _, before = _remote_state(dst)
        result = replicate_table(src, dst, history="all")
        needed = {object_path(f.path): f.size for f in _referenced(dst)}
        complete = {p for p, size in before.items() if needed.get(p) == size}
        assert result.files_copied == len(set(needed) - complete)
        assert assert_valid_replica(src, dst, options=root.storage_options) == latest
        assert verify(dst, against=src).ok
    report(f"S3: {kills} runs killed at a random commit out of {runs}, seed {seed}")
