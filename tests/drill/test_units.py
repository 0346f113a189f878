"""The drill's parts that need no lakehouse: the steps of each level, when a schedule last
fired, the queries' names, the trend, the emitted schedules, the sandbox's SQL statements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import deltalake
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]

from standby import sandbox
from standby.cli import main
from standby.config import load_config
from standby.drill.backups import expected_since
from standby.drill.history import history_store, level_status, save, trend
from standby.drill.service import steps_for
from standby.errors import BadInput
from standby.scheduling import last_firings

DAY = 86_400_000


def test_each_level_runs_the_checks_of_the_levels_below_and_cleans_up() -> None:
    names = {lvl: [s.name for s in steps_for(lvl)] for lvl in ("basic", "intermediate", "full")}
    assert names["basic"] == ["dr-workspace", "control-objects", "replicas", "backups", "report"]
    assert names["intermediate"][:4] == names["basic"][:4]
    assert names["full"][: len(names["intermediate"]) - 2] == names["intermediate"][:-2]
    full = steps_for("full")
    assert [s.name for s in full if s.cleanup] == [
        "drop-drill-catalog",
        "remove-drill-area",
        "report",
    ]
    live = [s.name for s in steps_for("full", live=True)]
    assert "live-failover" in live and "test-failover" not in live
    with pytest.raises(BadInput, match="--live"):
        steps_for("basic", live=True)
    with pytest.raises(BadInput, match="--level"):
        steps_for("weekly")  # type: ignore[arg-type]


def test_last_firings_of_a_schedule() -> None:
    wednesday = datetime(2025, 3, 5, 1, 0, tzinfo=UTC)
    assert last_firings("0 2 * * *", before=wednesday) == [
        datetime(2025, 3, 4, 2, tzinfo=UTC),
        datetime(2025, 3, 3, 2, tzinfo=UTC),
    ]
    assert last_firings("0 3 * * 1", before=wednesday)[0] == datetime(2025, 3, 3, 3, tzinfo=UTC)
    assert last_firings("0 3 1 1,4,7,10 *", before=wednesday)[0] == datetime(
        2025, 1, 1, 3, tzinfo=UTC
    )
    # day of month and day of week both given: either fires (cron's reading)
    assert last_firings("0 2 1 * 1", before=wednesday) == [
        datetime(2025, 3, 3, 2, tzinfo=UTC),
        datetime(2025, 3, 1, 2, tzinfo=UTC),
    ]


def test_a_run_that_just_fired_has_its_grace() -> None:
    """At 02:30 tonight's 02:00 run may still be copying: yesterday's backup is enough; at
    09:00 tonight's must exist (a quarter of the day, at most six hours)."""
    assert expected_since("0 2 * * *", datetime(2025, 3, 5, 2, 30, tzinfo=UTC)) == datetime(
        2025, 3, 4, 2, tzinfo=UTC
    )
    assert expected_since("0 2 * * *", datetime(2025, 3, 5, 9, 0, tzinfo=UTC)) == datetime(
        2025, 3, 5, 2, tzinfo=UTC
    )


def _record(i: int, rto: float | None, rpo: float) -> dict[str, object]:
    return {
        "drill_id": f"d{i}",
        "started_ms": i,
        "ok": True,
        "rto_seconds": rto,
        "rpo_seconds": rpo,
        "live": False,
        "level": "full",
    }


def test_the_trend_compares_with_the_mean_of_earlier_drills() -> None:
    earlier = [_record(1, 10.0, 0.0), _record(2, 12.0, 4.0)]
    found = trend(_record(3, 8.0, 2.05), earlier)
    assert [d["drill_id"] for d in found["drills"]] == ["d1", "d2", "d3"]
    assert found["rto"] == {
        "current": 8.0,
        "previous": 12.0,
        "mean_previous": 11.0,
        "change": -3.0,
        "direction": "better",
    }
    assert found["rpo"]["direction"] == "same"  # 2.05 against a mean of 2.0: within 5 %
    assert trend(_record(3, 20.0, 0.0), earlier)["rto"]["direction"] == "worse"
    assert trend(_record(1, None, 0.0), [])["rto"]["direction"] == "not measured"


@pytest.fixture
def drills_config(tmp_path: Path) -> Path:
    data = {
        "sites": {
            "primary": {"role": "primary", "storage": {"lake": str(tmp_path / "p")}},
            "dr": {"role": "dr", "storage": {"lake": "s3://dr-lake/root"}},
        },
        "contacts": [{"role": "DR Lead", "contact": "dr-lead@company.test"}],
        "drills": {"frequency": {"full": "quarterly"}},
    }
    path = tmp_path / "standby.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_drill_schedules(drills_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--config", str(drills_config), "drill", "schedule"]
    assert main([*base, "--level", "basic"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["name"] == "standby-drill-basic"
    assert job["schedule"]["quartz_cron_expression"] == "0 0 3 ? * MON"
    assert job["tasks"][0]["python_wheel_task"]["parameters"][2:] == ["drill", "--level", "basic"]
    assert job["email_notifications"] == {"on_failure": ["dr-lead@company.test"]}
    assert job["job_clusters"][0]["new_cluster"]["node_type_id"] == "i3.xlarge"  # DR is on S3
    assert main([*base, "--emit", "bundle"]) == 0
    bundle = yaml.safe_load(capsys.readouterr().out)["resources"]["jobs"]
    assert list(bundle) == [
        "standby_drill_basic",
        "standby_drill_intermediate",
        "standby_drill_full",
    ]
    assert bundle["standby_drill_full"]["schedule"]["quartz_cron_expression"] == (
        "0 0 3 1 1,4,7,10 ?"
    )
    assert main([*base, "--emit", "cron", "--level", "intermediate"]) == 0
    tz, comment, line = capsys.readouterr().out.strip().splitlines()
    assert tz == "CRON_TZ=UTC" and "monthly" in comment
    assert line.startswith("0 3 1 * * ") and line.endswith("drill --level intermediate")
    assert main([*base, "--level", "weekly"]) == 2


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[sandbox.RunningSandbox]:
    names = (
        "production.sales.transactions",
        "production.sales.customers",
        "production.inventory.products",
    )
    locations = {}
    for rows, name in enumerate(names, 7):
        locations[name] = str(tmp_path / name)
        deltalake.write_deltalake(locations[name], pa.table({"a": list(range(rows))}))
    running = sandbox.start(name="x", seed="demo", table_locations=locations, step_seconds=0)
    yield running
    running.stop()


def test_the_sandbox_answers_count_statements_only(workspace: sandbox.RunningSandbox) -> None:
    w = workspace.client()
    warehouse = str(next(iter(w.warehouses.list())).id)
    run = w.statement_execution.execute_statement
    done = run(
        statement="select count(*) from production.sales.transactions", warehouse_id=warehouse
    )
    assert done.status and done.status.state and done.status.state.value == "SUCCEEDED"
    assert done.result and done.result.data_array == [["7"]]
    assert done.statement_id and w.statement_execution.get_statement(done.statement_id).result
    short = run(
        statement="SELECT COUNT(*) FROM sales.customers;",
        warehouse_id=warehouse,
        catalog="production",
    )
    assert short.result and short.result.data_array == [["8"]]
    for statement, error in (
        ("SELECT * FROM production.sales.transactions", "only SELECT COUNT(*)"),
        ("SELECT COUNT(*) FROM production.sales.nothing", "TABLE_OR_VIEW_NOT_FOUND"),
    ):
        failed = run(statement=statement, warehouse_id=warehouse)
        assert failed.status and failed.status.state and failed.status.state.value == "FAILED"
        assert failed.status.error and error in str(failed.status.error.message)


def test_a_failed_drill_shows_but_does_not_make_its_level_done(tmp_path: Path) -> None:
    data = {
        "sites": {
            "primary": {"role": "primary", "storage": {"lake": str(tmp_path / "p")}},
            "dr": {"role": "dr", "storage": {"lake": str(tmp_path / "dr")}},
        },
    }
    (tmp_path / "standby.yml").write_text(yaml.safe_dump(data))
    config = load_config(tmp_path / "standby.yml")
    store = history_store(config)
    now = 100 * DAY
    for drill_id, level, ended, ok in (
        ("drill-a", "full", now - 30 * DAY, True),
        ("drill-b", "basic", now - 2 * DAY, True),
        ("drill-c", "basic", now - DAY, False),
    ):
        save(
            store,
            {
                "drill_id": drill_id,
                "level": level,
                "started_ms": ended - 1000,
                "ended_ms": ended,
                "ok": ok,
            },
        )
    lines = {s.level: s for s in level_status(config, now_ms=now)}
    basic = lines["basic"]
    assert (basic.last_drill, basic.ok, basic.overdue) == ("drill-c", False, False)
    assert basic.due_ms == now - 2 * DAY + 7 * DAY  # a week after the one that passed
    assert (lines["intermediate"].last_drill, lines["intermediate"].overdue) == ("drill-a", False)
    assert lines["full"].due_ms == now - 30 * DAY + 366 * DAY
    later = {s.level: s for s in level_status(config, now_ms=now + 6 * DAY)}
    assert later["basic"].overdue and later["intermediate"].overdue and not later["full"].overdue
