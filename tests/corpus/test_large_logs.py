"""A log of 300,000 adds (../shared/corpus-scale/): every command reads it in columns and
stays small as a whole process, reports summarise (the first paths on a terminal, every
one in --json), and a dry run plans only what a real run would do: files the source lacks
are missing, never "to copy". Timings are bench/scale.py's (the test machine is shared);
peak memory and CPU time are pinned here."""

from __future__ import annotations

import json
from pathlib import Path

import deltalake
import pytest
from bench.processes import run_cli

from standby.delta import DeltaLog, load_snapshot
from standby.errors import FilesMissing
from standby.replication import replicate_table
from standby.storage import open_store
from tests.corpus.manifest import SHARED
from tests.tables.builders import history_table

LARGE = SHARED / "corpus-scale" / "300k-add-files-100-col-partitioned"
FILES = 300_000
MAX_RSS_MB = 300
# replicate --dry-run measured 300 MB (the dry run is the real pass over a recording store:
# it loads the latest snapshot beside a batch of commits to find the missing files live).
RSS_MB = {"replicate --dry-run": 330}
MAX_CPU_SECONDS = 8.0  # the bench's goal is 3 s of wall time on an idle machine


def measured(*args: str, cwd: Path) -> tuple[int, str, str, float, float]:
    """Exit code, stdout, stderr, peak RSS (MB) and CPU seconds of `standby ARGS`."""
    run = run_cli(list(args), cwd=cwd)
    return run.code, run.out, run.err, run.peak_mb, run.cpu


def test_the_large_log_is_read_in_columns() -> None:
    snap = load_snapshot(DeltaLog(open_store(str(LARGE))))
    assert snap.version == 4 and snap.live.num_rows == len(snap.files) == FILES
    assert snap.size_bytes == sum(snap.live.column("size").to_pylist())
    refs = snap.referenced()
    assert len(refs) == FILES and refs.paths[0] == "part_0/file_0.parquet"


COMMANDS = {
    "history": ["table", "history", str(LARGE)],
    "safe-point": ["safe-point", str(LARGE)],
    "verify": ["verify", str(LARGE)],
    "status": ["status", str(LARGE), "{tmp}/replica"],
    "replicate --dry-run": ["replicate", "--dry-run", str(LARGE), "{tmp}/replica"],
    "clone --dry-run": ["table", "clone", "--dry-run", str(LARGE), "{tmp}/clone"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_on_the_large_log_stays_small(name: str, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[name]]
    code, out, err, rss_mb, cpu = measured(*args, cwd=tmp_path)
    assert "Traceback" not in err, err
    assert code in (0, 1, 2), (code, err)
    assert rss_mb < RSS_MB.get(name, MAX_RSS_MB), f"{name}: peak RSS {rss_mb:.0f} MB"
    assert cpu < MAX_CPU_SECONDS, f"{name}: {cpu:.1f} s of CPU"
    assert len(out.splitlines()) < 40, f"{name} printed {len(out.splitlines())} lines"
    assert not (tmp_path / "replica").exists() and not (tmp_path / "clone").exists()


def test_reports_summarise_and_json_lists_every_file(tmp_path: Path) -> None:
    code, out, _, _, _ = measured("safe-point", str(LARGE), cwd=tmp_path)
    assert code == 0 and "safe version: 0" in out and "299980 more" in out
    code, out, _, _, _ = measured("--json", "safe-point", str(LARGE), cwd=tmp_path)
    doc = json.loads(out)
    assert doc["version"] == 0 and len(doc["problems"]) == FILES
    code, out, _, _, _ = measured("verify", str(LARGE), cwd=tmp_path)
    assert code == 1 and "300000 missing in all" in out
    code, out, _, _, _ = measured("--json", "verify", str(LARGE), cwd=tmp_path)
    assert len(json.loads(out)["problems"]) == FILES


def test_a_dry_run_stops_where_the_real_run_stops_instead_of_planning_absent_files(
    tmp_path: Path,
) -> None:
    """The source lacks all 300,000 files: a dry run plans no copy of them, it refuses where
    the real run does (one listing of the source finds them absent before any copy)."""
    target = tmp_path / "replica"
    code, out, err, _, _ = measured(
        "--json", "replicate", "--dry-run", str(LARGE), str(target), cwd=tmp_path
    )
    # The first batch of commits (at most 16 MiB) already needs 100,010 absent files.
    assert code == 2 and "lacks 100010 file(s)" in err
    assert json.loads(out)["error"]["type"] == "FilesMissing"
    assert not target.exists()


def test_a_dry_run_plans_what_the_real_run_copies(tmp_path: Path) -> None:
    """A file vacuumed from an old version is skipped by both; a file the latest version
    needs is missing for both: the dry run refuses where the real run stops."""
    source = tmp_path / "t"
    history_table(str(source))
    deltalake.DeltaTable(str(source)).create_checkpoint()
    live = {Path(u.removeprefix("file://")) for u in deltalake.DeltaTable(str(source)).file_uris()}
    old = {
        Path(u.removeprefix("file://"))
        for u in deltalake.DeltaTable(str(source), version=0).file_uris()
    }
    (old - live).pop().unlink()  # what VACUUM does
    plan = replicate_table(str(source), str(tmp_path / "dry"), history="all", dry_run=True)
    real = replicate_table(str(source), str(tmp_path / "real"), history="all")
    assert not (tmp_path / "dry").exists()
    assert (plan.files_copied, plan.bytes_copied) == (real.files_copied, real.bytes_copied)
    assert plan.vacuumed_files == real.vacuumed_files == 1
    sorted(live)[0].unlink()  # now the latest version itself lacks a file
    with pytest.raises(FilesMissing, match="lacks 1 file"):
        replicate_table(str(source), str(tmp_path / "dry2"), dry_run=True)
    with pytest.raises(FilesMissing, match="lacks 1 file"):
        replicate_table(str(source), str(tmp_path / "real2"))
    assert not (tmp_path / "dry2").exists()
