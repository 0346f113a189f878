"""`backup schedule`: Quartz schedules for Databricks, the job, the bundle, the crontab."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from standby.backup.schedule import quartz
from standby.cli import main
from standby.errors import BadInput
from tests.backup.policies import policy, write_config


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 2 * * *", "0 0 2 * * ?"),
        ("30 1 * * 1-5", "0 30 1 ? * MON,TUE,WED,THU,FRI"),
        ("0 3 * * 0", "0 0 3 ? * SUN"),
        ("0 3 * * 7", "0 0 3 ? * SUN"),
        ("0 3 * * 5-7", "0 0 3 ? * SUN,FRI,SAT"),
        ("0 3 * * sat,sun", "0 0 3 ? * SUN,SAT"),
        ("0 */6 * * *", "0 0 0/6 * * ?"),
        ("*/15 * * * *", "0 0/15 * * * ?"),
        ("0 4 1 * *", "0 0 4 1 * ?"),
        ("0 4 */2 jan,jul *", "0 0 4 1/2 JAN,JUL ?"),
        ("0 0 * * */2", "0 0 0 ? * SUN,TUE,THU,SAT"),
        ("@daily", "0 0 0 * * ?"),
        ("@weekly", "0 0 0 ? * SUN"),
        ("@monthly", "0 0 0 1 * ?"),
    ],
)
def test_cron_to_quartz(cron: str, expected: str) -> None:
    assert quartz(cron) == expected


def test_day_of_month_and_of_week_together_is_refused() -> None:
    with pytest.raises(BadInput, match="only one of them"):
        quartz("0 2 1 * 1")


def test_emitted_job_runs_backup_then_prune_on_the_schedule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = policy("nightly", ["s3://lake/t"], root="s3://dr-backups/standby")
    p["schedule"] = "15 3 * * 1-5"
    cfg = str(write_config(tmp_path, "s3://dr-backups/standby", [p]))
    assert main(["--config", cfg, "backup", "schedule", "--emit", "databricks-job"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["name"] == "standby-backup-nightly"
    assert job["schedule"]["quartz_cron_expression"] == "0 15 3 ? * MON,TUE,WED,THU,FRI"
    assert job["max_concurrent_runs"] == 1
    run, prune = job["tasks"]
    assert run["python_wheel_task"]["parameters"][2:] == ["backup", "run", "--policy", "nightly"]
    assert prune["python_wheel_task"]["parameters"][2:] == [
        "backup",
        "prune",
        "--policy",
        "nightly",
    ]
    assert prune["depends_on"] == [{"task_key": run["task_key"]}]
    assert job["job_clusters"][0]["new_cluster"]["node_type_id"] == "i3.xlarge"

    assert (
        main(
            [
                "--config",
                cfg,
                "backup",
                "schedule",
                "--emit",
                "bundle",
                "--wheel",
                "/Volumes/x/standby.whl",
            ]
        )
        == 0
    )
    bundle = yaml.safe_load(capsys.readouterr().out)
    (key, resource) = next(iter(bundle["resources"]["jobs"].items()))
    assert key == "standby_backup_nightly" and resource["tasks"][1]["libraries"] == [
        {"whl": "/Volumes/x/standby.whl"}
    ]


def test_crontab_runs_this_standby_by_full_path_in_utc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """cron runs with PATH=/usr/bin:/bin and the host's time zone: the line names the
    executable by its full path and the schedule is read in UTC (CRON_TZ)."""
    p = policy("nightly", ["s3://lake/t"])
    p["schedule"] = "15 3 * * 1-5"
    cfg = str(write_config(tmp_path, str(tmp_path / "backups"), [p]))
    assert main(["--config", cfg, "backup", "schedule", "--emit", "cron"]) == 0
    tz, comment, line = capsys.readouterr().out.strip().splitlines()
    assert tz == "CRON_TZ=UTC" and comment.startswith("#")
    executable = str(Path(sys.executable).parent / "standby")
    assert Path(executable).is_file()
    assert line.startswith(
        f"15 3 * * 1-5 {executable} --config {cfg} backup run --policy nightly && {executable} "
    )
    assert line.endswith("backup prune --policy nightly")
    # What cron runs, as cron runs it: a bare PATH, from another directory.
    command = line.split(" ", 5)[5].split(" && ")[0].replace(" run ", " list ")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(["/bin/sh", "-c", command], env=env, cwd="/", capture_output=True)
    assert done.returncode == 0, done.stderr
    assert b"No backups." in done.stdout

    argv = ["--config", cfg, "backup", "schedule", "--emit", "cron", "--timezone", "Europe/Paris"]
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("CRON_TZ=Europe/Paris\n")
    assert main([*argv[:-1], "UTC\n* * * * * rm -rf /"]) == 2
    assert "Unknown time zone" in capsys.readouterr().err


def test_one_job_per_definition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    two = [policy("a", ["s3://lake/t"]), policy("b", ["s3://lake/u"])]
    cfg = str(write_config(tmp_path, "s3://dr-backups/standby", two))
    assert main(["--config", cfg, "backup", "schedule"]) == 2
    assert "--policy" in capsys.readouterr().err
    assert main(["--json", "--config", cfg, "backup", "schedule", "--policy", "b"]) == 0
    assert json.loads(capsys.readouterr().out)["job"]["name"] == "standby-backup-b"
