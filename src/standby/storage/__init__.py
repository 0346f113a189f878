"""Storage: one facade over obstore for local paths, S3, Azure and GCS.

`open_store` is the one factory: it composes the backend with the retry wrapper and, for a
dry run, the recording wrapper, and gives a URL its options (the caller's, else those
`options_by_url` says reach it), so callers never build stores by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from standby.storage.base import ObjectInfo, ObjectStore, PutMode, TreeSize, Versioned
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
    "is_local",
    "join",
    "local_path",
    "normalize",
    "open_store",
    "options_by_url",
    "redact",
]


OptionsFor = Callable[[str], Mapping[str, str] | None]
_options_for: list[OptionsFor] = []  # process-wide: worker threads open stores too


@contextmanager
def options_by_url(options_for: OptionsFor) -> Iterator[None]:
    """Inside, a store opened without options of its own gets `options_for(url)`: how a
    command in config mode reaches each URL with its site's storage_options."""
    _options_for.append(options_for)
    try:
        yield
    finally:
        _options_for.remove(options_for)


def open_store(
    uri: str, *, options: Mapping[str, str] | None = None, dry_run: bool = False
) -> ObjectStore:
    """A store rooted at `uri` (normalised first; raises UnsupportedURI): the backend
    behind the one retry layer, behind a DryRunStore that records every write when
    `dry_run` (reads still reach the storage). Without `options`, those `options_by_url`
    gives for it, else the environment's."""
    url = normalize(uri)
    if not is_local(url) and options is None and _options_for:
        options = _options_for[-1](url)
    backend = LocalStore(url) if is_local(url) else ObstoreStore(url, options=options)
    store: ObjectStore = RetryingStore(backend)
    return DryRunStore(store) if dry_run else store
