"""Removing a whole directory of objects, including what a killed writer left behind.

On object stores a directory is its objects. On local disk it is also the temporary files
of copies that were killed mid-way (the listing hides them) and the empty directories:
both go too, so a pruned backup leaves nothing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from standby.storage.base import ObjectStore
from standby.storage.url import is_local, local_path


@dataclass(frozen=True)
class TreeSize:
    files: int
    bytes: int


def tree_size(store: ObjectStore, prefix: str) -> TreeSize:
    """Objects under `prefix` (a whole path segment) and their total size: one listing."""
    if is_local(store.url):
        return _local_size(_local_dir(store, prefix))
    objects = list(store.list(prefix.rstrip("/") + "/"))
    return TreeSize(len(objects), sum(o.size for o in objects))


def delete_tree(store: ObjectStore, prefix: str) -> TreeSize:
    """Delete everything under `prefix`; returns what was there. Idempotent."""
    if is_local(store.url):
        directory = _local_dir(store, prefix)
        found = _local_size(directory)
        shutil.rmtree(directory, ignore_errors=True)
        _remove_empty_parents(os.path.dirname(directory), local_path(store.url))
        return found
    objects = list(store.list(prefix.rstrip("/") + "/"))
    for o in objects:
        store.delete(o.path)
    return TreeSize(len(objects), sum(o.size for o in objects))


def _local_dir(store: ObjectStore, prefix: str) -> str:
    if not prefix.strip("/"):
        raise ValueError("refusing to delete a store's whole root")
    return os.path.join(local_path(store.url), prefix.strip("/"))


def _local_size(directory: str) -> TreeSize:
    files = size = 0
    for parent, _, names in os.walk(directory):
        for name in names:
            try:
                size += os.stat(os.path.join(parent, name), follow_symlinks=False).st_size
                files += 1
            except FileNotFoundError:  # removed meanwhile
                continue
    return TreeSize(files, size)


def _remove_empty_parents(directory: str, root: str) -> None:
    """Empty directories left above a removed tree, up to (not including) the store root."""
    root = os.path.abspath(root)
    directory = os.path.abspath(directory)
    while directory.startswith(root + os.sep):
        try:
            os.rmdir(directory)
        except OSError:  # not empty, or gone: stop here
            return
        directory = os.path.dirname(directory)
