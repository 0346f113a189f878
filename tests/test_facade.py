"""`import standby`: the library's typed facade.

Cheap to import (nothing heavy loads until a name is used), every public name resolves to
what type checkers see, options are keywords, every entry point documents what it raises,
and every table operation takes a URI with storage_options or an opened store alike.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import standby
from standby import errors
from tests.replication.test_site_options import closed_port
from tests.servers import Root
from tests.tables.builders import history_table
from tests.tables.reading import read, same_rows

POSITIONAL_WITH_DEFAULT = {("load_config", "path")}  # the file to read, not an option
HEAVY = ("pyarrow", "deltalake", "databricks", "pydantic", "yaml", "obstore", "typer", "rich")
INIT = Path(standby.__file__)


def _python(code: str) -> Any:
    """What `code` prints as JSON, run by a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout)


def test_import_standby_loads_only_the_facade_and_its_errors() -> None:
    loaded = _python("import json, sys, standby; print(json.dumps(sorted(sys.modules)))")
    assert [m for m in loaded if m.startswith("standby")] == [
        "standby",
        "standby._lazy",
        "standby.errors",
    ]
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
    # A name loads its module on first use, and only then.
    used = _python(
        "import json, sys, standby; standby.history; print(json.dumps(sorted(sys.modules)))"
    )
    assert "standby.tables.history" in used
    assert not [
        m for m in used if m.split(".")[0] in ("deltalake", "databricks", "pydantic", "pyarrow")
    ]


def _type_checking_imports() -> dict[str, tuple[str, str]]:
    """public name -> (module, name) of the imports under `if TYPE_CHECKING:`."""
    tree = ast.parse(INIT.read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    found = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names:
            found[alias.asname or alias.name] = (node.module, alias.name)
    return found


def test_every_public_name_resolves_to_what_type_checkers_see() -> None:
    lazy: dict[str, tuple[str, str]] = standby._LAZY  # type: ignore[attr-defined]
    assert _type_checking_imports() == lazy
    error_classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.StandbyError)
    }
    assert set(standby.__all__) == set(lazy) | error_classes
    for name, (module, attribute) in lazy.items():
        assert getattr(standby, name) is getattr(importlib.import_module(module), attribute)
    assert set(standby.__all__) <= set(dir(standby))
    assert standby.__version__
    with pytest.raises(AttributeError):
        standby.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def _public_functions() -> list[tuple[str, Callable[..., Any]]]:
    names = sorted(standby.__all__)
    return [(n, getattr(standby, n)) for n in names if inspect.isfunction(getattr(standby, n))]


def test_options_are_keywords_and_each_entry_point_says_what_it_raises() -> None:
    functions = _public_functions()
    assert len(functions) == 20  # the operations of standby's commands, and load_config
    for name, fn in functions:
        for p in inspect.signature(fn).parameters.values():
            if p.default is not inspect.Parameter.empty:
                assert p.kind is p.KEYWORD_ONLY or (name, p.name) in POSITIONAL_WITH_DEFAULT
        doc = inspect.getdoc(fn) or ""
        for section in ("Args:", "Raises:"):
            assert f"\n{section}\n" in doc, (name, section)
    for name in standby.__all__:
        value = getattr(standby, name)
        if isinstance(value, type):  # a docstring of its own, not the dataclass signature
            assert value.__doc__ and not value.__doc__.startswith(f"{name}("), name


def test_failover_stays_the_function_when_its_package_is_imported() -> None:
    kinds = _python(
        "import json, standby\n"
        "import standby.failover.service\n"
        "from standby.failover.failback import current_primary\n"
        "print(json.dumps([callable(standby.failover), standby.failover.__module__]))"
    )
    assert kinds == [True, "standby._operations"]


@pytest.fixture
def s3_only_by_options(make_root: Callable[[str], Root], monkeypatch: pytest.MonkeyPatch) -> Root:
    """An S3 root the environment cannot reach (its endpoint is a closed port): only the
    root's own storage_options do."""
    root = make_root("s3")
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port())
    return root


@pytest.mark.parametrize("given", ["uri", "store"])
def test_every_table_operation_takes_a_uri_with_options_or_an_opened_store(
    given: str, s3_only_by_options: Root
) -> None:
    root = s3_only_by_options
    opts = root.storage_options
    uris = {name: root.join(name) for name in ("sales", "replica", "clone")}
    history_table(uris["sales"], storage_options=opts)  # versions 0-4
    one: dict[str, Any] = {"storage_options": opts}
    two: dict[str, Any] = {"source_options": opts, "target_options": opts}
    against: dict[str, Any] = {"against_options": opts}
    tables: dict[str, Any] = dict(uris)
    if given == "store":
        tables = {name: standby.open_store(uri, options=opts) for name, uri in uris.items()}
        one, two, against = {}, {}, {}
    sales, replica, clone = tables["sales"], tables["replica"], tables["clone"]

    assert [e.version for e in standby.history(sales, limit=2, **one)] == [4, 3]
    assert standby.replicate(sales, replica, **two).to_version == 4
    row = standby.status(sales, replica, **two)
    assert row.ok and row.replica_version == 4 and row.lag_versions == 0
    report = standby.verify(replica, against=sales, read_data=True, **one, **against)
    assert report.ok and report.files_checked > 0
    assert standby.safe_point(replica, **one).version == 4
    assert standby.clone(sales, clone, version=1, **two).target_version == 0
    assert standby.restore(sales, version=1, **one).new_version == 5

    def rows(name: str, version: int | None = None) -> Any:
        return read(uris[name], version=version, storage_options=opts)

    assert same_rows(rows("replica"), rows("sales", 4))
    assert same_rows(rows("clone"), rows("sales", 1))
    assert same_rows(rows("sales"), rows("sales", 1))
    with pytest.raises(errors.Unreachable):
        standby.history(uris["sales"])  # the environment alone reaches nothing


def test_options_given_with_an_opened_store_are_refused(tmp_path: Path) -> None:
    history_table(str(tmp_path / "t"))
    store = standby.open_store(str(tmp_path / "t"))
    with pytest.raises(errors.BadInput, match="opened already"):
        standby.history(store, storage_options={"aws_region": "eu-west-1"})


def test_a_dry_run_through_opened_stores_writes_nothing(tmp_path: Path) -> None:
    history_table(str(tmp_path / "sales"))
    source, target = (standby.open_store(str(tmp_path / n)) for n in ("sales", "replica"))
    planned = standby.replicate(source, target, dry_run=True)
    assert planned.dry_run and planned.to_version == 4 and planned.files_copied > 0
    assert not (tmp_path / "replica").exists()
