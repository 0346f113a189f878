"""Diff and translation on documents: field paths by key, mapping rules, storage locations,
the standby's pause state, and snapshots read back from disk as they were written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from standby.config import Config
from standby.workspace.diff import Diff, compare, diff_snapshots
from standby.workspace.kinds.jobs import PAUSE_TAG, paused_for_standby
from standby.workspace.mapping import field_matches, translate
from standby.workspace.snapshot import Snapshot, read, write

JOB: dict[str, Any] = {
    "name": "etl",
    "schedule": {"quartz_cron_expression": "0 0 * * * ?", "pause_status": "UNPAUSED"},
    "tasks": [
        {"task_key": "ingest", "notebook_task": {"notebook_path": "/Shared/a"}},
        {"task_key": "load", "depends_on": [{"task_key": "ingest"}]},
    ],
    "job_clusters": [
        {"job_cluster_key": "main", "new_cluster": {"aws_attributes": {"zone_id": "us-east-1a"}}}
    ],
    "email_notifications": {"on_failure": ["a@x", "b@x"]},
}


def config(tmp_path: Path, **sync: Any) -> Config:
    sites = {
        "primary": {"role": "primary", "storage": {"lake": "s3://prod-lake"}},
        "dr": {"role": "dr", "storage": {"lake": "s3://dr-lake"}},
    }
    return Config.model_validate({"sites": sites, "workspace_sync": sync})


def test_changes_are_named_by_keyed_field_paths_whatever_the_order() -> None:
    moved = {**JOB, "tasks": list(reversed(JOB["tasks"]))}
    assert compare(JOB, moved) == []
    changed = {**JOB, "tasks": [{**JOB["tasks"][0], "notebook_task": {"notebook_path": "/b"}}]}
    changes = compare(JOB, changed)
    assert [(c.path, c.old, c.new) for c in changes] == [
        ("tasks[ingest].notebook_task.notebook_path", "/Shared/a", "/b"),
        ("tasks[load]", JOB["tasks"][1], None),
    ]
    emails = {**JOB, "email_notifications": {"on_failure": ["a@x"]}}
    assert [c.path for c in compare(JOB, emails)] == ["email_notifications.on_failure"]


def test_mapping_rules_translate_site_specific_values(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        mappings=[
            {"kinds": ["jobs", "clusters"], "field": "*.aws_attributes.zone_id",
             "values": {"primary": "us-east-1a", "dr": "us-west-2a"}},
            {"match": "prefix", "values": {"primary": "arn:prod-", "dr": "arn:dr-"}},
        ],
    )  # fmt: skip
    objects = {
        "jobs": {"etl": JOB},
        "clusters": {"c": {"aws_attributes": {"zone_id": "us-east-1a"}, "x": "arn:prod-role"}},
        "warehouses": {"w": {"zone_id": "us-east-1a"}},
    }
    out = translate(objects, config=cfg, from_site="primary", to_site="dr").objects
    assert out["jobs"]["etl"]["job_clusters"][0]["new_cluster"]["aws_attributes"] == {
        "zone_id": "us-west-2a"
    }
    assert out["clusters"]["c"] == {"aws_attributes": {"zone_id": "us-west-2a"}, "x": "arn:dr-role"}
    assert out["warehouses"]["w"] == {"zone_id": "us-east-1a"}  # not a kind of that rule
    assert JOB["job_clusters"][0]["new_cluster"]["aws_attributes"]["zone_id"] == "us-east-1a"
    assert field_matches("aws_attributes.zone_id", "*.aws_attributes.zone_id")
    assert not field_matches("aws_attributes.zone", "*.aws_attributes.zone_id")


def test_storage_locations_map_by_root_and_unmapped_ones_are_named(tmp_path: Path) -> None:
    objects = {
        "tables": {
            "a.b.c": {"storage_location": "s3://prod-lake/b/c"},
            "a.b.d": {"storage_location": "s3://elsewhere/d"},
        }
    }
    done = translate(objects, config=config(tmp_path), from_site="primary", to_site="dr")
    assert done.objects["tables"]["a.b.c"]["storage_location"] == "s3://dr-lake/b/c"
    assert list(done.problems) == [("tables", "a.b.d")]
    assert (
        "s3://elsewhere/d is under none of the storage roots"
        in done.problems[("tables", "a.b.d")][0]
    )


def test_a_standby_job_is_paused_with_the_primarys_state_recorded() -> None:
    standby = paused_for_standby(JOB)
    assert standby["schedule"]["pause_status"] == "PAUSED"
    assert standby["tags"] == {PAUSE_TAG: "UNPAUSED"}
    assert paused_for_standby(standby) == standby  # syncing a standby's copy keeps the truth
    unscheduled = {"name": "manual"}
    assert paused_for_standby(unscheduled) == unscheduled
    synced = diff_snapshots(
        Snapshot(site="primary", objects={"jobs": {"etl": JOB}}),
        Snapshot(site="dr", objects={"jobs": {"etl": standby}}),
        kinds=["jobs"],
    )
    assert synced.equal and synced.notes == [NO_RULES]


NO_RULES = "no mapping rules applied: a site is unknown to standby.yml"


def unpaused(job: dict[str, Any]) -> dict[str, Any]:
    return {**job, "schedule": {**job["schedule"], "pause_status": "UNPAUSED"}}


def test_a_standby_jobs_real_pause_state_and_the_recorded_one_are_shown_apart() -> None:
    primary = Snapshot(site="primary", objects={"jobs": {"etl": JOB}})
    # Someone unpaused the DR copy: it would run in both regions. Its record is right.
    running = Snapshot(site="dr", objects={"jobs": {"etl": unpaused(paused_for_standby(JOB))}})
    diff = diff_snapshots(primary, running, kinds=["jobs"])
    (job,) = diff.objects
    assert [(f.path, f.old, f.new) for f in job.fields] == [
        ("schedule.pause_status", None, "UNPAUSED")
    ]
    assert diff.notes == [
        NO_RULES,
        "jobs/etl: its schedule is UNPAUSED on dr, where a standby job stays PAUSED until failover",
    ]
    # The primary paused its job after the sync: the DR copy still records UNPAUSED.
    paused = {**JOB, "schedule": {**JOB["schedule"], "pause_status": "PAUSED"}}
    stale = Snapshot(site="dr", objects={"jobs": {"etl": paused_for_standby(JOB)}})
    diff = diff_snapshots(
        Snapshot(site="primary", objects={"jobs": {"etl": paused}}), stale, kinds=["jobs"]
    )
    assert [(f.path, f.old, f.new) for f in diff.objects[0].fields] == [
        (f"tags.{PAUSE_TAG}", "PAUSED", "UNPAUSED")
    ]
    assert "the primary's PAUSED is recorded on dr as UNPAUSED" in diff.notes[-1]


def swapped(diff: Diff) -> list[tuple[str, str, str, list[tuple[str, Any, Any]]]]:
    """What `diff B A` must report if `diff` is `diff A B`: sides and values swapped."""
    turn = {"added": "removed", "removed": "added", "changed": "changed"}
    return [
        (o.kind, o.name, turn[o.status], [(f.path, f.new, f.old) for f in o.fields])
        for o in diff.objects
    ]


def reported(diff: Diff) -> list[tuple[str, str, str, list[tuple[str, Any, Any]]]]:
    return [
        (o.kind, o.name, o.status, [(f.path, f.old, f.new) for f in o.fields]) for o in diff.objects
    ]


def test_diff_is_symmetric_whatever_the_spelling_of_a_location(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        mappings=[
            {"match": "prefix", "field": "*.destination",
             "values": {"primary": "s3://prod-logs/", "dr": "s3://dr-logs"}},
        ],
    )  # fmt: skip
    logs = {"cluster_log_conf": {"s3": {"destination": "s3://prod-logs/etl"}}}
    a = Snapshot(
        site="primary",
        objects={
            "external_locations": {"lake": {"url": "s3://prod-lake/"}},
            "tables": {"c.s.t": {"storage_location": "s3://prod-lake/s/t"}},
            "clusters": {"etl": logs, "adhoc": {"num_workers": 1}},
            "jobs": {"etl": JOB, "report": JOB},
        },
    )
    b = Snapshot(
        site="dr",
        objects={
            "external_locations": {"lake": {"url": "s3://dr-lake"}},
            "tables": {"c.s.t": {"storage_location": "s3://dr-lake/s/t/"}},
            "clusters": {"etl": {"cluster_log_conf": {"s3": {"destination": "s3://dr-logs/etl"}}}},
            "jobs": {
                "etl": unpaused(paused_for_standby(JOB)),
                "report": paused_for_standby({**JOB, "max_concurrent_runs": 3}),
            },
        },
    )
    kinds = ["external_locations", "tables", "clusters", "jobs"]
    forth = diff_snapshots(a, b, config=cfg, kinds=kinds)
    back = diff_snapshots(b, a, config=cfg, kinds=kinds)
    assert reported(forth) == [
        ("clusters", "adhoc", "removed", []),
        ("jobs", "etl", "changed", [("schedule.pause_status", None, "UNPAUSED")]),
        ("jobs", "report", "changed", [("max_concurrent_runs", None, 3)]),
    ]
    assert reported(back) == swapped(forth)
    assert (
        forth.notes
        == back.notes
        == [
            "jobs/etl: its schedule is UNPAUSED on dr, where a standby job stays PAUSED until "
            "failover"
        ]
    )


def test_diff_of_snapshots_written_and_read_back(tmp_path: Path) -> None:
    a = Snapshot(
        site="primary",
        objects={
            "jobs": {"etl": JOB, "old/job": {"name": "old/job"}},
            "notebooks": {"/Shared/a b": {"language": "PYTHON", "source": "# Databricks\n1\n"}},
        },
    )
    b = Snapshot(
        site="dr",
        objects={
            "jobs": {"etl": paused_for_standby({**JOB, "max_concurrent_runs": 2})},
            "notebooks": {"/Shared/a b": {"language": "PYTHON", "source": "# Databricks\n2\n"}},
        },
    )
    write(a, tmp_path / "a")
    write(b, tmp_path / "b")
    assert (tmp_path / "a/jobs/old%2Fjob.json").is_file()
    assert (tmp_path / "a/notebooks/Shared/a b.py").read_text() == "# Databricks\n1\n"
    again = read(tmp_path / "a")
    assert again.objects == a.objects and again.site == "primary"
    diff = diff_snapshots(read(tmp_path / "a"), read(tmp_path / "b"), config=config(tmp_path))
    assert [(o.kind, o.name, o.status) for o in diff.objects] == [
        ("notebooks", "/Shared/a b", "changed"),  # in dependency order
        ("jobs", "etl", "changed"),
        ("jobs", "old/job", "removed"),
    ]
    assert [(f.path, f.old, f.new) for f in diff.objects[1].fields] == [
        ("max_concurrent_runs", None, 2)
    ]
    assert diff.counts() == {"added": 0, "removed": 1, "changed": 2}


def test_unknown_kinds_are_refused() -> None:
    from standby.errors import BadInput
    from standby.workspace.kinds import select

    with pytest.raises(BadInput, match="Unknown workspace kind"):
        select(["jobs", "dashboards"])
    assert select(["permissions", "jobs"]) == ["jobs", "permissions"]
