"""Storage: one facade over obstore for local paths, S3, Azure and GCS.

`open_store` is the one factory: it composes the backend with the retry wrapper and, for a
dry run, the recording wrapper, so callers never build stores by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

from standby.site_options import options_for
from standby.storage.base import ObjectInfo, ObjectStore, PutMode, TreeSize, Versioned
from standby.storage.copy import copy_object
from standby.storage.dryrun import DryRunStore, PlannedWrite
from standby.storage.local import LocalStore
from standby.storage.obstore_backend import ObstoreStore
from standby.storage.retry import Backoff, RetryingStore
from standby.storage.url import is_local, join, local_path, normalize, redact
from standby.storage.wrappers import CountingStore, StoreWrapper

__all__ = [
    "Backoff",
    "CountingStore",
    "DryRunStore",
    "ObjectInfo",
    "ObjectStore",
    "PlannedWrite",
    "PutMode",
    "StoreWrapper",
    "TreeSize",
    "Versioned",
    "copy_object",
    "is_local",
    "join",
    "local_path",
    "normalize",
    "open_store",
    "redact",
]


def open_store(
    uri: str, *, options: Mapping[str, str] | None = None, dry_run: bool = False
) -> ObjectStore:
    """A store rooted at `uri` (normalised first; raises UnsupportedURI): the backend
    behind the one retry layer, behind a DryRunStore that records every write when
    `dry_run` (reads still reach the storage)."""
    url = normalize(uri)
    if options is None and not is_local(url):
        options = options_for(url)  # the site's, in config mode (standby.site_options)
    backend = LocalStore(url) if is_local(url) else ObstoreStore(url, options=options)
    store: ObjectStore = RetryingStore(backend)
    return DryRunStore(store) if dry_run else store
