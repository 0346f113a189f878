"""The cloud ObjectStore backend: obstore (Rust object_store) for S3, Azure and GCS.

Credentials and endpoints come from the environment, as obstore and delta-rs read them
(AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, AZURE_STORAGE_ENDPOINT, AZURE_ALLOW_HTTP, ...), plus an
optional `options` mapping from the site's config: the same keys delta-rs takes as
`storage_options`, so one mapping serves both.

Put-if-absent is `If-None-Match: *` on S3 (object_store's default `conditional_put=etag`)
and on Azure. It goes through a handle without obstore's own retries: a retried
conditional put whose first attempt landed would fail against itself, and only
RetryingStore, which sees the failed attempt, can tell that apart from a real conflict.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import obstore
from obstore import exceptions as obx
from obstore.store import from_url

from standby.errors import (
    AccessDenied,
    BadInput,
    ObjectExists,
    ObjectNotFound,
    StandbyError,
    Unreachable,
)
from standby.storage.base import ObjectInfo, PutMode
from standby.storage.url import is_local, redact

LIST_CHUNK = 1000
STATUS = re.compile(r"status code: (\d{3})")
# obstore retries HTTP 5xx/429 and timeouts itself, briefly; RetryingStore adds the policy on top.
RETRY_CONFIG: dict[str, Any] = {
    "max_retries": 2,
    "retry_timeout": timedelta(seconds=20),
    "backoff": {
        "init_backoff": timedelta(milliseconds=50),
        "max_backoff": timedelta(seconds=2),
        "base": 2,
    },
}
NO_RETRY_CONFIG: dict[str, Any] = {**RETRY_CONFIG, "max_retries": 0}
CLIENT_OPTIONS = {"connect_timeout": "5s", "timeout": "120s"}
WRITE_BUFFER = 8 << 20  # multipart part size of streamed puts (S3's minimum is 5 MiB)
WRITE_CONCURRENCY = 4  # parts in flight per streamed put: memory <= 4 x 8 MiB
# obstore's HTTP client settings; given as store config they make obstore panic, and given
# as client_options they replace what obstore would read from the environment.
CLIENT_KEYS = frozenset(
    {
        "allow_http",
        "allow_invalid_certificates",
        "connect_timeout",
        "default_content_type",
        "http1_only",
        "http2_keep_alive_interval",
        "http2_keep_alive_timeout",
        "http2_keep_alive_while_idle",
        "http2_only",
        "pool_idle_timeout",
        "pool_max_idle_per_host",
        "proxy_url",
        "proxy_ca_certificate",
        "proxy_excludes",
        "randomize_addresses",
        "read_timeout",
        "timeout",
        "user_agent",
    }
)
ENV_PREFIXES = {"s3": "aws_", "s3a": "aws_", "gs": "google_"}  # others are Azure's


def _split_options(
    url: str, options: Mapping[str, str] | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """(store config, client options) from the environment and `options`, options winning."""
    prefix = ENV_PREFIXES.get(url.split("://", 1)[0], "azure_")
    client: dict[str, Any] = dict(CLIENT_OPTIONS)
    config: dict[str, str] = {}
    sources = [(k, v) for k, v in os.environ.items() if k.lower().startswith(prefix)]
    for source, (key, value) in enumerate([*sources, *(options or {}).items()]):
        bare = key.lower().removeprefix(prefix)
        if bare in CLIENT_KEYS:
            client[bare] = value
        elif source >= len(sources):  # obstore reads the rest of the environment itself
            config[key] = value
    return config, client


@contextmanager
def _mapped(store_url: str, path: str, operation: str) -> Iterator[None]:
    """Turn vendor exceptions into standby errors that name the object, in one line."""
    where = f"{redact(store_url).rstrip('/')}/{path}" if path else redact(store_url)
    try:
        yield
    except StandbyError:
        raise
    except (obx.NotFoundError, FileNotFoundError) as e:
        raise ObjectNotFound(f"{where} does not exist.", path=where) from e
    except obx.AlreadyExistsError as e:
        raise ObjectExists(f"{where} already exists.", path=where) from e
    except (obx.PermissionDeniedError, obx.UnauthenticatedError, PermissionError) as e:
        raise AccessDenied(
            f"Access to {where} was denied during {operation}.",
            hint="Check the credentials in the environment or the site's storage options.",
            path=where,
        ) from e
    except (obx.GenericError, ConnectionError, TimeoutError, OSError) as e:
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if _is_rejection(str(e)):  # retrying cannot help: the request itself is wrong
            raise BadInput(
                f"Storage {redact(store_url)} rejected {operation} of {path or '/'}: {first_line}",
                hint="Check the endpoint, region and storage options; an http:// endpoint "
                "needs AWS_ALLOW_HTTP=true or AZURE_ALLOW_HTTP=true.",
                path=where,
            ) from e
        raise Unreachable(
            f"Storage {redact(store_url)} failed during {operation} of {path or '/'}: {first_line}",
            path=where,
        ) from e


def _is_rejection(message: str) -> bool:
    """A client error (4xx but timeout and throttling) or a request that could not be built."""
    if "builder error" in message:
        return True
    status = STATUS.search(message)
    return status is not None and status[1].startswith("4") and status[1] not in {"408", "429"}


class ObstoreStore:
    """ObjectStore on obstore; one instance per root URL."""

    def __init__(self, url: str, *, options: Mapping[str, str] | None = None):
        if is_local(url):
            raise BadInput(f"{url} is local: open it with LocalStore.")
        self.url = url
        self._create_store: Any = None  # for conditional puts: no retries inside obstore
        self._config, self._client = _split_options(url, options)
        try:
            self._store = self._open(RETRY_CONFIG)
        except Exception as e:  # obstore says ValueError, GenericError, ... for bad options
            raise BadInput(
                f"Cannot open {redact(url)}: {str(e).strip().splitlines()[0]}",
                hint="Check the URL and the storage options (names as delta-rs takes them).",
            ) from e

    def _open(self, retry_config: dict[str, Any]) -> Any:
        return from_url(
            self.url,
            config=self._config or None,
            client_options=self._client,
            retry_config=retry_config,
        )

    def __repr__(self) -> str:
        return f"ObstoreStore({redact(self.url)!r})"

    def _create_handle(self) -> Any:
        """The store for put-if-absent: one attempt per call, so RetryingStore sees failures."""
        if self._create_store is None:
            self._create_store = self._open(NO_RETRY_CONFIG)
        return self._create_store

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        with _mapped(self.url, prefix, "list"):
            stream = obstore.list(self._store, prefix or None, offset=offset, chunk_size=LIST_CHUNK)
        return self._iterate(stream, prefix, offset)

    def _iterate(self, stream: Any, prefix: str, offset: str | None) -> Iterator[ObjectInfo]:
        # Filtered here too: Azure's startFrom is inclusive, and a server may ignore it.
        with _mapped(self.url, prefix, "list"):
            for batch in stream:
                for meta in batch:
                    if offset is None or meta["path"] > offset:
                        yield _info(meta)

    def head(self, path: str) -> ObjectInfo:
        with _mapped(self.url, path, "head"):
            return _info(obstore.head(self._store, path))

    def get(self, path: str) -> bytes:
        with _mapped(self.url, path, "get"):
            return obstore.get(self._store, path).bytes().to_bytes()

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        with _mapped(self.url, path, "get"):
            result = obstore.get(self._store, path)
            chunks = iter(result.stream(min_chunk_size=chunk_size))
        while True:
            with _mapped(self.url, path, "get"):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield bytes(chunk)

    def put(self, path: str, data: bytes | Iterable[bytes], *, mode: PutMode = "overwrite") -> None:
        with _mapped(self.url, path, "put"):
            if mode == "create":
                payload = data if isinstance(data, bytes) else b"".join(data)
                obstore.put(
                    self._create_handle(), path, payload, mode="create", use_multipart=False
                )
            elif isinstance(data, bytes):
                obstore.put(self._store, path, data, mode="overwrite")
            else:
                self._put_chunks(path, data)

    def _put_chunks(self, path: str, chunks: Iterable[bytes]) -> None:
        """A multipart upload fed from Python, completed only if `chunks` ends cleanly.

        Not obstore.put(iterator): it pulls the iterator inside its runtime, where a chunk
        read from another obstore store (a cross-store copy) panics.
        """
        writer = obstore.open_writer(
            self._store,
            path,
            buffer_size=WRITE_BUFFER,
            max_concurrency=WRITE_CONCURRENCY,
        )
        with writer:  # an exception inside aborts the upload: nothing appears at `path`
            for chunk in chunks:
                writer.write(chunk)

    def copy(self, src: str, dst: str) -> None:
        with _mapped(self.url, src, "copy"):
            obstore.copy(self._store, src, dst, overwrite=True)

    def delete(self, path: str) -> None:
        try:
            with _mapped(self.url, path, "delete"):
                obstore.delete(self._store, path)
        except ObjectNotFound:
            return


def _info(meta: Mapping[str, Any]) -> ObjectInfo:
    return ObjectInfo(
        path=meta["path"],
        size=int(meta["size"]),
        last_modified=meta.get("last_modified"),
        etag=meta.get("e_tag"),
    )
