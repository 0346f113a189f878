"""Start-up users feel: help and the version come without the heavy libraries, which only
the command that needs them loads. Timings are in bench/startup.py; what is pinned here
is what makes them fast, checked in a fresh interpreter."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import deltalake
import pytest

import standby
from standby.cli import main
from standby.cli.commands import COMMANDS
from tests.tables.builders import history_table

HEAVY = ("databricks.sdk", "deltalake", "pyarrow", "numpy", "pydantic")

PROBE = """
import contextlib, io, json, sys
from standby.cli import main
from standby.cli.commands import COMMANDS
with contextlib.redirect_stdout(io.StringIO()):
    code = main({argv!r})
print(json.dumps({{"code": code, "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def loaded_by(argv: list[str]) -> tuple[int, list[str]]:
    """Exit code and heavy modules loaded by `standby ARGV` in a new interpreter."""
    script = PROBE.format(argv=argv, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    doc = json.loads(done.stdout.strip().splitlines()[-1])
    return doc["code"], doc["loaded"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["table", "history", "--help"],
        ["table", "--help"],
        ["replicate", "--help"],
        ["status", "--help"],
        ["--version"],
        [],
    ],
    ids=[
        "help",
        "table history help",
        "table help",
        "replicate help",
        "status help",
        "version",
        "no command",
    ],
)
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    code, loaded = loaded_by(argv)
    assert code == (2 if not argv else 0)
    assert loaded == []


def test_a_command_loads_what_it_needs() -> None:
    """The check above can fail: `config check` does load pydantic, for standby.yml."""
    code, loaded = loaded_by(["config", "check", "/nonexistent/standby.yml"])
    assert code == 2
    assert "pydantic" in loaded


@pytest.mark.parametrize(
    "argv",
    [
        ["safe-point", "/nonexistent/t"],
        ["verify", "/nonexistent/t"],
        ["status", "/nonexistent/t", "/nonexistent/r"],
        ["replicate", "--dry-run", "/nonexistent/t", "/nonexistent/r"],
    ],
    ids=lambda argv: " ".join(w for w in argv if not w.startswith("/")),
)
def test_a_table_command_does_not_load_the_workspace_sdk(argv: list[str]) -> None:
    """A command on table URIs touches no workspace: databricks-sdk (1 s and 60 MB of a
    300,000-file verify) stays unloaded, drills and failover code with it."""
    code, loaded = loaded_by(argv)
    assert code in (1, 2)
    assert "databricks.sdk" not in loaded


def test_table_history_reads_commits_without_pyarrow(tmp_path: Path) -> None:
    """History needs commits, not snapshots: pyarrow (and the numpy it loads: 0.2 s)
    stays unloaded, and pydantic too (typer is held below 0.29, which coerces every option
    through pydantic: 0.1 s more on every command)."""
    history_table(str(tmp_path / "t"))
    code, loaded = loaded_by(["table", "history", str(tmp_path / "t")])
    assert code == 0
    assert loaded == []


@pytest.mark.parametrize("command", [["replicate"], ["table", "clone"]], ids=" ".join)
def test_a_first_copy_of_a_small_table_loads_no_arrow(tmp_path: Path, command: list[str]) -> None:
    """A small log is replayed in Python: a first copy (replicate, deep clone) does not load
    pyarrow and the numpy it brings (0.15-0.2 s of a half-second copy), and is a whole table."""
    source, copy = tmp_path / "t", tmp_path / "copy"
    history_table(str(source))
    code, loaded = loaded_by([*command, str(source), str(copy)])
    assert code == 0
    assert loaded == []  # no pyarrow, numpy, pydantic (no standby.yml), deltalake or sdk
    expected = deltalake.DeltaTable(str(source)).to_pyarrow_table().sort_by("id")
    assert deltalake.DeltaTable(str(copy)).to_pyarrow_table().sort_by("id") == expected


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert standby.__version__ == importlib.metadata.version("standby")
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"standby {standby.__version__}\n"
    assert main(["--version", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"version": standby.__version__}


def test_top_level_help_lists_every_command_from_the_registry(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    words = " ".join(capsys.readouterr().out.split())
    for name, entry in COMMANDS.items():
        assert f"{name} {entry.help}" in words


LAZY = """
import sys
from standby.cli.lazy import lazy_module
tables = lazy_module("standby.tables")
before = "standby.tables.clone" in sys.modules  # the package's own imports, not yet run
import standby.tables
assert standby.tables is tables and callable(standby.tables.history)
from standby.tables import clone
print(before, "standby.tables.clone" in sys.modules, callable(clone))
"""


def test_a_lazy_module_loads_on_first_use_and_reads_like_an_import() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LAZY], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["False", "True", "True"]
