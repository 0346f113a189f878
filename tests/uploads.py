"""Putting a table built on local disk onto any root, byte for byte.

deltalake's writer trips on Azurite's listing, so tests build tables locally with deltalake
and upload their objects; a table's bytes are all there is to it.
"""

from __future__ import annotations

from pathlib import Path

from tests.servers import Root


def upload(local: Path, root: Root, name: str) -> str:
    """Copy every file under `local` to `name` under `root`; returns the table's URI."""
    store = root.store(name)
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        store.put(path.relative_to(local).as_posix(), path.read_bytes())
    return root.join(name)
