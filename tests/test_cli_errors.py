"""Acceptance 5 of the foundation: bad input gets exit 2 (or 5), one clear message, no
traceback, and nothing written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import deltalake
import pytest

from standby.cli import as_standby_error, main
from standby.cli.failures import click
from standby.errors import BadUsage, Internal, TableNotFound, during, exit_code_for
from tests.backup.policies import policy, write_config
from tests.tables.builders import history_table


def tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def table(tmp_path: Path) -> tuple[Path, list[int]]:
    path = tmp_path / "t"
    return path, history_table(str(path))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err


def vacuum_version_1(path: Path) -> None:
    live = set(deltalake.DeltaTable(str(path)).file_uris())
    for f in deltalake.DeltaTable(str(path), version=1).file_uris():
        if f not in live:
            Path(f.removeprefix("file://")).unlink()


CASES = {
    "nonexistent uri": (["table", "history", "{tmp}/nope"], 2, "nothing is there"),
    "not a delta table": (
        ["table", "restore", "{tmp}/plain", "--version", "0"],
        2,
        "not a Delta table",
    ),
    "version out of range": (["table", "restore", "{table}", "--version", "42"], 2, "Version 42"),
    "timestamp before first commit": (
        ["table", "restore", "{table}", "--timestamp", "2001-01-01 00:00:00"],
        2,
        "before the first",
    ),
    "bad timestamp": (
        ["table", "clone", "{table}", "{tmp}/c", "--timestamp", "yesterday"],
        2,
        "is not a time",
    ),
    "vacuumed files": (["table", "restore", "{table}", "--version", "1"], 2, "vacuumed"),
    "unknown scheme": (["table", "history", "ftp://host/t"], 2, "Unknown URI scheme"),
    "non-empty clone target": (["table", "clone", "{table}", "{tmp}/plain"], 5, "not empty"),
    "no restore target": (["table", "restore", "{table}"], 2, "--version"),
    "unsupported writer feature": (
        ["table", "restore", "{table}", "--version", "1"],
        2,
        "catalogManaged",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input(
    case: str, table: tuple[Path, list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = table
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "data.csv").write_text("a,b\n")
    if case == "vacuumed files":
        vacuum_version_1(path)
    if case == "unsupported writer feature":
        (path / "_delta_log" / f"{5:020d}.json").write_text(
            '{"commitInfo":{"timestamp":1,"operation":"UPGRADE"}}\n'
            '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[],'
            '"writerFeatures":["catalogManaged"]}}\n'
        )
    args_t, want_code, want_text = CASES[case]
    args = [a.format(tmp=tmp_path, table=path) for a in args_t]
    before = tree(tmp_path)
    code, _, err = run(args, capsys)
    assert code == want_code, err
    assert err.startswith("error: ") and want_text in err.replace("\n", " "), err
    assert len(err.strip().splitlines()) <= 2, err  # one paragraph, not a dump
    assert tree(tmp_path) == before


def test_json_error_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--json", "table", "history", str(tmp_path / "nope")], capsys)
    assert code == 2
    doc = json.loads(out)
    assert doc["error"]["exit_code"] == 2 and "not a Delta table" in doc["error"]["message"]


def test_verbose_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-v", "table", "history", str(tmp_path / "nope")])
    assert code == 2
    assert "Traceback" in capsys.readouterr().err


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", "restore"]) == 2


def test_json_history_matches_the_contract(
    table: tuple[Path, list[int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, stamps = table
    code, out, _ = run(["table", "history", str(path), "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert [e["version"] for e in doc] == [4, 3, 2, 1, 0]
    assert [e["timestamp"] for e in doc] == stamps[::-1]
    assert doc[0]["operation"] == "DELETE"


def test_json_result_and_error_make_one_document(
    table: tuple[Path, list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that prints its findings and then fails still prints one document."""
    path, _ = table
    replica = tmp_path / "r"
    assert main(["replicate", str(path), str(replica)]) == 0
    capsys.readouterr()
    next(replica.glob("*.parquet")).unlink()
    code, out, err = run(["--json", "verify", str(replica)], capsys)
    assert code == 1 and "problem" in err
    doc = json.loads(out)  # exactly one document: json.loads refuses trailing data
    assert doc["ok"] is False and doc["problems"][0]["kind"] == "missing"


def test_an_error_names_its_operation_and_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope")
    code, out, err = run(["--json", "table", "history", missing], capsys)
    assert code == 2
    assert err.startswith(f"error: during table history of {missing}: "), err
    doc = json.loads(out)["error"]
    assert doc["type"] == "TableNotFound"
    assert (doc["operation"], doc["path"]) == ("table history", missing)
    assert doc["message"].startswith(f"during table history of {missing}: ")


def test_the_innermost_operation_is_kept() -> None:
    with pytest.raises(TableNotFound) as raised, during("replicate", "a"), during("clone", "b"):
        raise TableNotFound("gone", path="b/_delta_log")
    assert raised.value.context() == "during clone of b"


@pytest.mark.parametrize(
    "argv",
    [["table", "restore"], ["table", "history", "--limit", "0", "t"], ["nope"], ["--bogus"], []],
    ids=["missing argument", "out of range", "no such command", "no such option", "no command"],
)
def test_usage_errors_are_standby_errors_in_json(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["--json", *argv], capsys)
    assert code == 2
    assert err.startswith("error: ")
    doc = json.loads(out)["error"]
    assert doc["type"] == "BadUsage" and doc["exit_code"] == 2


def test_an_unexpected_exception_is_reported_as_internal() -> None:
    error = as_standby_error(ZeroDivisionError("division by zero"))
    assert isinstance(error, Internal)
    assert "ZeroDivisionError" in error.message and exit_code_for(error) == 1
    usage = as_standby_error(click.exceptions.UsageError("bad"))
    assert isinstance(usage, BadUsage) and exit_code_for(usage) == 2
    assert exit_code_for(as_standby_error(KeyboardInterrupt())) == 130


SRC = Path(__file__).resolve().parents[1] / "src" / "standby"


def test_exit_codes_come_only_from_the_error_table() -> None:
    """No command module picks an exit code, and no library result carries one."""
    for path in sorted((SRC / "cli").glob("*.py")):
        text = path.read_text()
        assert not re.search(r"typer\.Exit\(\s*[^)\s]", text), path
        assert "sys.exit(" not in text or path.name == "__init__.py", path
        assert "exit_code_for" not in text or path.name == "__init__.py", path
    for path in sorted(SRC.rglob("*.py")):
        if "cli" in path.relative_to(SRC).parts or path.name == "errors.py":
            continue
        assert not re.search(r"\bexit_code", path.read_text()), path


def test_a_failed_backup_run_is_the_error_of_its_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "lake" / "missing"
    cfg = write_config(tmp_path, str(tmp_path / "backups"), [policy("p", [str(missing)])])
    code, out, err = run(["--json", "--config", str(cfg), "backup", "run"], capsys)
    assert code == 2 and "not a Delta table" in err
    doc = json.loads(out)  # the run's result; the error adds no second document
    assert doc["failures"][0]["error_type"] == "TableNotFound"
    assert "exit_code" not in doc["failures"][0]
