"""Issue 9, item 4: a target that is the source itself, lies inside the source table, or
holds the source is refused before anything is written, by every command that copies a
table: replicate (one pass and --follow), table clone (also with --replace), backup run
(policy roots) and backup restore (targets). Exit 2 (OverlappingLocations, bad input: no
flag makes such a target safe); the source and the target are left as they were."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from standby.cli import main
from standby.errors import OverlappingLocations
from standby.storage.overlap import refuse_overlap
from tests.backup.policies import policy, write_config
from tests.replication._support import grow

RELATIONS = ["itself", "inside", "holds"]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _target(source: Path, relation: str) -> Path:
    return {
        "itself": source,
        "inside": source / "copy",
        "holds": source.parent,
    }[relation]


def _refused(capsys: pytest.CaptureFixture[str], tree: Path, args: list[str], *, word: str) -> None:
    before = _tree(tree)
    capsys.readouterr()
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert word in err and "Traceback" not in err
    assert _tree(tree) == before, "something was written"


def _message(relation: str) -> str:
    return {"itself": "is the source", "inside": "inside the source", "holds": "holds the source"}[
        relation
    ]


@pytest.mark.parametrize("relation", RELATIONS)
def test_replicate_refuses_a_nested_target(
    relation: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lake" / "t"
    grow(str(source), 2)
    target = _target(source, relation)
    _refused(capsys, tmp_path, ["replicate", str(source), str(target)], word=_message(relation))
    _refused(
        capsys,
        tmp_path,
        ["replicate", "--follow", "--interval", "0.05", str(source), str(target)],
        word=_message(relation),
    )


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("replace", [False, True], ids=["new", "replace"])
def test_clone_refuses_a_nested_target(
    relation: str, replace: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lake" / "t"
    grow(str(source), 2)
    args = ["table", "clone", str(source), str(_target(source, relation))]
    _refused(capsys, tmp_path, args + (["--replace"] if replace else []), word=_message(relation))


@pytest.mark.parametrize("relation", ["itself", "inside", "holds"])
def test_backup_run_refuses_a_root_overlapping_a_table(
    relation: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lake" / "sales" / "t"
    grow(str(source), 2)
    root = {"itself": source, "inside": source / "backups", "holds": tmp_path / "lake"}[relation]
    cfg = write_config(tmp_path, str(root), [policy("daily", [str(source)])])
    _refused(capsys, tmp_path, ["--config", str(cfg), "backup", "run"], word=_message(relation))


@pytest.mark.parametrize("relation", ["inside", "holds"])
def test_backup_restore_refuses_a_target_overlapping_the_backups(
    relation: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lake" / "t"
    grow(str(source), 2)
    root = tmp_path / "vault" / "backups"
    cfg = write_config(tmp_path, str(root), [policy("daily", [str(source)])])
    capsys.readouterr()
    assert main(["--json", "--config", str(cfg), "backup", "run"]) == 0
    import json

    (made,) = json.loads(capsys.readouterr().out)["backups"]
    target = root / "restored" if relation == "inside" else root.parent
    args = ["--config", str(cfg), "backup", "restore", made["id"], "--to", str(target)]
    word = "inside the backup root" if relation == "inside" else "holds the backup root"
    _refused(capsys, tmp_path, [*args, "--replace"], word=word)


@pytest.mark.parametrize(
    ("source", "target", "overlaps"),
    [
        ("s3://lake/t", "s3a://lake/t/x", True),
        ("s3://lake/t", "s3://lake/t2", False),  # a sibling whose name starts the same
        ("s3://lake/t/", "s3://lake/t", True),
        ("s3://lake/t", "s3://other/t", False),
        ("az://c/t", "abfss://c@acct.dfs.core.windows.net/t/x", True),
        ("gs://b/x/t", "gs://b/x", True),
        ("s3://lake/t", "gs://lake/t", False),
    ],
)
def test_the_rule_on_urls(source: str, target: str, overlaps: bool) -> None:
    if overlaps:
        with pytest.raises(OverlappingLocations):
            refuse_overlap(source, target)
    else:
        refuse_overlap(source, target)


def test_the_same_url_on_two_endpoints_is_two_stores() -> None:
    one: Callable[[str], dict[str, str]] = lambda e: {"aws_endpoint": e}  # noqa: E731
    refuse_overlap(
        "s3://lake/t",
        "s3://lake/t",
        source_options=one("http://primary:9000"),
        target_options=one("http://dr:9000"),
    )
    with pytest.raises(OverlappingLocations):
        refuse_overlap(
            "s3://lake/t",
            "s3://lake/t",
            source_options=one("http://primary:9000"),
            target_options=one("http://primary:9000/"),
        )


def test_a_symlink_into_the_source_is_inside_it(tmp_path: Path) -> None:
    source = tmp_path / "lake" / "t"
    grow(str(source), 1)
    (tmp_path / "link").symlink_to(source)
    with pytest.raises(OverlappingLocations, match="inside the source"):
        refuse_overlap(str(source), str(tmp_path / "link" / "copy"))
