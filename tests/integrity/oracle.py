"""An oracle for safe-point, written apart from standby's code and as plainly as possible.

It knows the original table (every commit from version 0 there) and looks at the torn copy
by its directory listing only. For each version v, newest first: is there a base (commit 0,
or a whole checkpoint c <= v) with every commit base+1..v in the copy, and is every file the
live adds of v need (data files, deletion-vector files) in the copy at the original's size?
"""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pyarrow.parquet as pq  # type: ignore[import-untyped]

Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
COMMIT = re.compile(r"^(\d{20})\.json$")
PART = re.compile(r"^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$")
SINGLE = re.compile(r"^(\d{20})\.checkpoint\.(?:[0-9a-fA-F-]{36}\.)?(?:json|parquet)$")


def sizes(root: Path) -> dict[str, int]:
    """Every file under `root`, by its path relative to it."""
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


def latest_version(original: Path) -> int:
    names = (p.name for p in (original / "_delta_log").iterdir())
    return max(int(m.group(1)) for n in names if (m := COMMIT.match(n)))


def needed_files(original: Path) -> dict[int, set[str]]:
    """For each version, the files its live adds need, by replaying the original's commits."""
    live: dict[tuple[Any, ...], set[str]] = {}
    needed: dict[int, set[str]] = {}
    for v in range(latest_version(original) + 1):
        text = (original / "_delta_log" / f"{v:020d}.json").read_text()
        for line in text.splitlines():
            action = json.loads(line) if line.strip() else {}
            if "add" in action:
                live[_key(action["add"])] = _files(action["add"])
            elif "remove" in action:
                live.pop(_key(action["remove"]), None)
        needed[v] = set().union(*live.values())
    return needed


def _key(action: dict[str, Any]) -> tuple[Any, ...]:
    dv = action.get("deletionVector") or {}
    return action["path"], dv.get("storageType"), dv.get("pathOrInlineDv"), dv.get("offset")


def _files(action: dict[str, Any]) -> set[str]:
    files = {unquote(action["path"])}
    dv = action.get("deletionVector")
    if dv and dv["storageType"] == "u":
        encoded = dv["pathOrInlineDv"]
        prefix, token = encoded[:-20], encoded[-20:]
        name = f"deletion_vector_{uuid.UUID(bytes=_z85(token))}.bin"
        files.add(f"{prefix}/{name}" if prefix else name)
    return files


def _z85(text: str) -> bytes:
    out = b""
    for i in range(0, len(text), 5):
        value = 0
        for c in text[i : i + 5]:
            value = value * 85 + Z85.index(c)
        out += value.to_bytes(4, "big")
    return out


def whole_checkpoints(original: Path, copy_sizes: dict[str, int]) -> set[int]:
    """Versions with a checkpoint whose every file (parts; the file and its sidecars) the
    copy holds."""
    groups: dict[tuple[int, str], set[str]] = {}
    for p in (original / "_delta_log").iterdir():
        if m := PART.match(p.name):
            groups.setdefault((int(m.group(1)), f"parts of {m.group(3)}"), set()).add(p.name)
        elif m := SINGLE.match(p.name):
            groups[(int(m.group(1)), p.name)] = {p.name, *_sidecars(p)}
    return {
        version
        for (version, _), names in groups.items()
        if all(f"_delta_log/{n}" in copy_sizes for n in names)
    }


def _sidecars(checkpoint: Path) -> set[str]:
    if checkpoint.name.endswith(".json"):
        actions = [json.loads(line) for line in checkpoint.read_text().splitlines() if line]
        paths = [a["sidecar"]["path"] for a in actions if "sidecar" in a]
    else:
        table = pq.read_table(io.BytesIO(checkpoint.read_bytes()))
        rows = table.column("sidecar").to_pylist() if "sidecar" in table.column_names else []
        paths = [r["path"] for r in rows if r]
    return {f"_sidecars/{p}" for p in paths}


def safe_version(original: Path, copy: Path) -> int | None:
    """The newest version the copy can serve, or None."""
    need = needed_files(original)
    have, want = sizes(copy), sizes(original)
    commits = {v for v in need if f"_delta_log/{v:020d}.json" in have}
    checkpoints = whole_checkpoints(original, have)

    def rebuilds(v: int) -> bool:
        bases = [-1] if 0 in commits else []
        bases += [c for c in checkpoints if c <= v]
        return any(all(k in commits for k in range(b + 1, v + 1)) for b in bases)

    def whole(v: int) -> bool:
        return all(f in have and have[f] == want.get(f) for f in need[v])

    for v in sorted(need, reverse=True):
        if rebuilds(v) and whole(v):
            return v
    return None
