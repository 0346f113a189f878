"""README's "Python API" example runs as written, so the README cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tables.builders import history_table
from tests.tables.reading import read, same_rows

README = Path(__file__).resolve().parents[1] / "README.md"


def python_api_example() -> str:
    """The first python code block of the README's "## Python API" section."""
    text = README.read_text()
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"^```python\n(.*?)^```$", section, re.M | re.S)
    assert found, "the Python API section has no python code block"
    return found.group(1)


def test_python_api_example_runs_against_a_local_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    history_table("lake/sales")  # versions 0-4
    before = read("lake/sales")

    exec(compile(python_api_example(), "README.md (Python API)", "exec"), {})

    lines = capsys.readouterr().out.splitlines()
    history = [line.split() for line in lines[:3]]  # the three newest commits, newest first
    assert [(h[0], h[2]) for h in history] == [("4", "DELETE"), ("3", "WRITE"), ("2", "WRITE")]
    assert lines[3:6] == ["0 version(s) behind, ok: True", "version 5 reads like version 1", "0"]
    assert lines[6].startswith("Version 99 of") and "standby table history" in lines[6]
    assert same_rows(read("dr-lake/sales"), before)  # replicated before the restore
    assert same_rows(read("backups/sales-v1"), read("lake/sales", version=1))
    assert same_rows(read("lake/sales"), read("lake/sales", version=1))
