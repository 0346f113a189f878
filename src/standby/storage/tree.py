"""How much a prefix holds, for plans that say what a deletion will free.

A measurement only: deleting goes through `ObjectStore.delete_prefix`, so every wrapper
(retries, dry run, counting) sees it. On local disk the measure counts what a listing hides
and `delete_prefix` removes too: temporary files of copies that were killed mid-way.
"""

from __future__ import annotations

import os

from standby.errors import BadInput
from standby.storage import files
from standby.storage.base import ObjectStore, TreeSize
from standby.storage.url import is_local, local_path


def tree_size(store: ObjectStore, prefix: str) -> TreeSize:
    """Objects under `prefix` (a whole path segment) and their total size: one listing."""
    if not prefix.strip("/"):
        raise BadInput(f"A prefix of {store.url} is needed, not the whole store.")
    if is_local(store.url):
        return files.tree_size(os.path.join(local_path(store.url), prefix.strip("/")))
    objects = list(store.list(prefix.strip("/") + "/"))
    return TreeSize(len(objects), sum(o.size for o in objects))
