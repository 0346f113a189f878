"""Storage: one facade over obstore for local paths, S3, Azure and GCS.

`open_store` is the one factory: it composes the backend with the retry wrapper, and
gives a URL its options (the caller's, else those `options_by_url` says reach it), so
callers never build stores by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from standby.storage.base import ObjectInfo, ObjectStore, PutMode
from standby.storage.copy import copy_object
from standby.storage.local import LocalStore
from standby.storage.obstore_backend import ObstoreStore
from standby.storage.retry import RetryingStore
from standby.storage.url import is_local, join, local_path, normalize, redact

__all__ = [
    "ObjectInfo",
    "ObjectStore",
    "PutMode",
    "copy_object",
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


def open_store(uri: str, *, options: Mapping[str, str] | None = None) -> ObjectStore:
    """A retrying store rooted at `uri` (normalised first; raises UnsupportedURI). Without
    `options`, those `options_by_url` gives for it, else the environment's."""
    url = normalize(uri)
    if is_local(url):
        return RetryingStore(LocalStore(url))
    if options is None and _options_for:
        options = _options_for[-1](url)
    return RetryingStore(ObstoreStore(url, options=options))
