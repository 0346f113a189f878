"""The files many commits need on the replica, in Arrow columns: what a large batch of
commits (or a checkpoint's snapshot) is planned with. A few small commits are planned in
Python (`files`), without loading Arrow.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from standby.delta.actions import Commit
from standby.delta.columnar import parse_json_log
from standby.delta.fileset import FileSet, referenced
from standby.delta.log import commit_path
from standby.replication.files import missing_on_target, refuse_external
from standby.storage import ObjectStore


def refuse_external_columns(files: pa.Table, *, table: str, version: int) -> None:
    """refuse_external for file actions as columns (FILE_SCHEMA rows)."""
    paths = files.column("path")
    outside = pc.or_(
        pc.or_(pc.match_substring(paths, "://"), pc.starts_with(paths, "/")),
        pc.fill_null(pc.equal(files.column("dv_type"), "p"), False),
    )
    if pc.any(outside).as_py():
        first = files.filter(outside).slice(0, 1).to_pylist()[0]
        dv = {"storageType": first["dv_type"], "pathOrInlineDv": first["dv_path"]}
        refuse_external(
            [{"path": first["path"], "deletionVector": dv}], table=table, version=version
        )


def commit_fileset(files: pa.Table, *, table: str, version: int) -> FileSet:
    """Data, cdc and deletion-vector files of a commit's file actions (as columns)."""
    action = files.column("action")
    adds = files.filter(pc.equal(action, "add"))
    refuse_external_columns(adds, table=table, version=version)
    return FileSet.union(
        [referenced(adds), referenced(files.filter(pc.equal(action, "cdc")), kind="cdc")]
    )


def commits_fileset(
    commits: list[tuple[int, bytes]], *, table: str, check: Callable[[Commit], None]
) -> FileSet:
    """`files.commits_files` in columns: for many commits, or large ones."""
    sets = []
    for version, raw in commits:
        others, rows = parse_json_log(raw, where=commit_path(version))
        check(Commit(version, others, raw))
        sets.append(commit_fileset(rows, table=table, version=version))
    return FileSet.union(sets)


def lacking_columns(
    files: FileSet, target: ObjectStore, known: dict[str, int] | None, heads: ThreadPoolExecutor
) -> FileSet:
    """`lacking` in columns: by a head each, or from `known` (a listing) with a head only
    for what it says is short (a DV file's size is a bound). `known` is not updated here."""
    if known is None:
        need = list(heads.map(lambda f: bool(missing_on_target([f], target)), files.actions()))
        return files.filter(pa.array(need, pa.bool_()))
    lacks = files.missing_mask(known)
    todo = files if pc.all(lacks).as_py() else files.filter(lacks)
    listed = pc.is_valid(todo.stored_sizes(known))
    if not pc.any(listed).as_py():
        return todo
    short = todo.filter(listed)
    need = list(heads.map(lambda f: bool(missing_on_target([f], target)), short.actions()))
    return FileSet.union([todo.filter(pc.invert(listed)), short.filter(pa.array(need, pa.bool_()))])
