"""Storage: one facade over obstore for local paths, S3, Azure and GCS.

`open_store` is the one factory: it composes the backend with the retry wrapper and, for a
dry run, the recording wrapper, so callers never build stores by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

from standby.errors import BadInput
from standby.site_options import options_for
from standby.storage.base import ObjectInfo, ObjectStore, PutMode, TreeSize, Versioned
from standby.storage.copy import copy_object
from standby.storage.dryrun import DryRunStore, PlannedWrite
from standby.storage.local import LocalStore
from standby.storage.obstore_backend import ObstoreStore
from standby.storage.overlap import refuse_overlap
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
    "as_store",
    "as_store_pair",
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
    """A store rooted at `uri`: the backend behind the one retry layer, and behind a
    DryRunStore that records every write instead of making it when `dry_run` (reads still
    reach the storage). Opening connects to nothing; the first call does.

    Args:
        uri: A local path, file://, s3://, az://, abfss:// or gs:// URL (normalised first).
        options: Credentials and client settings, as obstore and delta-rs name them
            (`aws_region`, `AWS_ENDPOINT_URL`, ...); None: the site's options in config
            mode (`standby.site_options`), else the environment's.
        dry_run: Record writes; make none.

    Raises:
        UnsupportedURI: A scheme standby does not take, or a URL with no bucket.
        BadInput: Options the backend does not know.
    """
    url = normalize(uri)
    if options is None and not is_local(url):
        options = options_for(url)  # the site's, in config mode (standby.site_options)
    backend = LocalStore(url) if is_local(url) else ObstoreStore(url, options=options)
    store: ObjectStore = RetryingStore(backend)
    return DryRunStore(store) if dry_run else store


def as_store(
    table: str | ObjectStore,
    *,
    options: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> ObjectStore:
    """What every table operation takes: a URI, opened by `open_store` with `options`, or
    a store opened already, used as it is (behind a DryRunStore on a dry run). Raises
    BadInput for options given with an opened store: it was opened with its own."""
    if isinstance(table, str):
        return open_store(table, options=options, dry_run=dry_run)
    if options is not None:
        raise BadInput(
            f"Storage options were given for {redact(table.url)}, a store opened already.",
            hint="Pass the options to the store when opening it, or pass its URI instead.",
        )
    return DryRunStore(table) if dry_run and not isinstance(table, DryRunStore) else table


def as_store_pair(
    source: str | ObjectStore,
    target: str | ObjectStore,
    *,
    source_options: Mapping[str, str] | None = None,
    target_options: Mapping[str, str] | None = None,
    dry_run: bool = False,
    target_what: str = "target",
) -> tuple[ObjectStore, ObjectStore]:
    """The stores of a copy from `source` into `target` (as `as_store` opens each), once
    the target is known not to be the source, inside it, or to hold it (OverlappingLocations)."""
    src = as_store(source, options=source_options, dry_run=dry_run)
    dst = as_store(target, options=target_options, dry_run=dry_run)
    refuse_overlap(
        src.url,
        dst.url,
        source_options=source_options,
        target_options=target_options,
        target_what=target_what,
    )
    return src, dst
