"""Snapshots of a workspace's configuration, in memory and on disk.

On disk a snapshot is a directory with one file per object (`jobs/etl_pipeline.json`,
`grants/catalogs/production.json`, notebooks as source: `notebooks/Shared/etl/ingest.py`)
and `manifest.json` (site, time, tool version, counts). Object files are canonical, so two
exports of the same configuration are byte-identical and a git diff shows what changed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from standby import __version__
from standby.config import WORKSPACE_KINDS
from standby.errors import BadInput
from standby.workspace.kinds import Doc, kind
from standby.workspace.normalize import to_json

FORMAT = 1
MANIFEST = "manifest.json"
NOTEBOOK_SUFFIXES = {"PYTHON": ".py", "SQL": ".sql", "SCALA": ".scala", "R": ".r"}
_SAFE = " !$&'()+,;=@[]^{}~-_."  # kept as they are in file names; the rest is %-encoded


@dataclass
class Snapshot:
    """The configuration of one workspace: documents by kind and name."""

    site: str | None
    objects: dict[str, dict[str, Doc]]
    workspace: str | None = None  # the site's label: name and host
    exported_at: str | None = None
    problems: list[str] = field(default_factory=list)  # e.g. references to nothing
    missing: list[str] = field(default_factory=list)  # objects that could not be read

    @property
    def kinds(self) -> list[str]:
        return [k for k in WORKSPACE_KINDS if k in self.objects]

    def counts(self) -> dict[str, int]:
        return {k: len(self.objects[k]) for k in self.kinds}

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "tool": "standby",
            "tool_version": __version__,
            "site": self.site,
            "workspace": self.workspace,
            "exported_at": self.exported_at,
            "kinds": self.kinds,
            "counts": self.counts(),
            "complete": not self.missing,
            "missing": self.missing,
            "problems": self.problems,
        }


def _segment(name: str) -> str:
    encoded = quote(name, safe=_SAFE)
    return "%2E" + encoded[1:] if encoded.startswith(".") else encoded


def file_of(kind_name: str, name: str, doc: Doc) -> tuple[str, str]:
    """(relative path, content) of one object in a snapshot directory."""
    if kind_name == "notebooks":
        parts = [_segment(p) for p in name.strip("/").split("/")]
        suffix = NOTEBOOK_SUFFIXES.get(str(doc.get("language")), ".txt")
        return "/".join([kind_name, *parts]) + suffix, str(doc.get("source", ""))
    if kind(kind_name).parents:
        parent, _, rest = name.partition("/")
        return f"{kind_name}/{parent}/{_segment(rest)}.json", to_json(doc)
    return f"{kind_name}/{_segment(name)}.json", to_json(doc)


def _object_of(kind_name: str, relative: Path, content: str) -> tuple[str, Doc]:
    """The inverse of `file_of`: (name, document) of a file under the kind's directory."""
    if kind_name == "notebooks":
        language = next(
            (lang for lang, sfx in NOTEBOOK_SUFFIXES.items() if relative.suffix == sfx), None
        )
        parts = [unquote(p) for p in relative.with_suffix("").parts]
        return "/" + "/".join(parts), {"language": language, "source": content}
    doc = json.loads(content)
    if kind(kind_name).parents:
        return f"{relative.parts[0]}/{unquote(relative.stem)}", doc
    return unquote(relative.stem), doc


def is_snapshot_dir(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def _check_target(out: Path) -> None:
    """Refuse a directory that holds anything but a snapshot: export deletes stale files."""
    if not out.exists():
        return
    if not out.is_dir():
        raise BadInput(f"{out} is a file; export writes a directory.")
    known = {*WORKSPACE_KINDS, MANIFEST}
    strangers = [p.name for p in out.iterdir() if p.name not in known and p.name[0] != "."]
    if strangers:
        raise BadInput(
            f"{out} holds files that are not part of a snapshot: "
            f"{', '.join(sorted(strangers)[:3])}.",
            hint="Export into a new or empty directory, or one an earlier export wrote.",
        )


def write(snapshot: Snapshot, out: Path) -> Path:
    """Write the snapshot into `out`: changed files only, stale files of the exported kinds
    removed, the manifest last (a directory without one is an unfinished export)."""
    _check_target(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    for kind_name in snapshot.kinds:
        wanted: set[Path] = set()
        for name, doc in snapshot.objects[kind_name].items():
            relative, content = file_of(kind_name, name, doc)
            wanted.add(out / relative)
            _write_if_changed(out / relative, content)
        _remove_stale(out / kind_name, wanted)
    _write_if_changed(out / MANIFEST, json.dumps(snapshot.manifest(), indent=2) + "\n")
    return out


def _write_if_changed(path: Path, content: str) -> None:
    data = content.encode()
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _remove_stale(root: Path, wanted: set[Path]) -> None:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def read(path: Path) -> Snapshot:
    """A snapshot directory written by `write` (raises BadInput for anything else)."""
    if not is_snapshot_dir(path):
        raise BadInput(
            f"{path} is not a standby snapshot (no {MANIFEST}).",
            hint="Give a directory written by `standby config export`, or a site name.",
        )
    manifest = json.loads((path / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BadInput(f"{path}: snapshot format {manifest.get('format')!r} is not {FORMAT}.")
    objects: dict[str, dict[str, Doc]] = {}
    for kind_name in manifest.get("kinds", []):
        if kind_name not in WORKSPACE_KINDS:
            raise BadInput(f"{path}: unknown kind {kind_name!r} in {MANIFEST}.")
        found: dict[str, Doc] = {}
        root = path / kind_name
        for file in sorted(root.rglob("*")) if root.is_dir() else []:
            if file.is_file() and not file.name.startswith("."):
                name, doc = _object_of(kind_name, file.relative_to(root), file.read_text())
                found[name] = doc
        objects[kind_name] = found
    return Snapshot(
        site=manifest.get("site"),
        objects=objects,
        workspace=manifest.get("workspace"),
        exported_at=manifest.get("exported_at"),
        problems=list(manifest.get("problems", [])),
        missing=list(manifest.get("missing", [])),
    )


def now() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
