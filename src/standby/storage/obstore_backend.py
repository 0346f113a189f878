"""The cloud ObjectStore backend: obstore (Rust object_store) for S3, Azure and GCS.

Credentials and endpoints come from the environment, as obstore and delta-rs read them
(AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, AZURE_STORAGE_ENDPOINT, AZURE_ALLOW_HTTP, ...), plus an
optional `options` mapping from the site's config: the same keys delta-rs takes as
`storage_options`, so one mapping serves both.

Put-if-absent is `If-None-Match: *` on S3 (object_store's default `conditional_put=etag`)
and on Azure; a conditional overwrite is `If-Match: <etag>` on S3 and Azure and
`x-goog-if-generation-match` on GCS (the generation is the version token there; GCS is not
tested here: no emulator runs on loopback). obstore's own retries are off: a retried
conditional put whose first attempt landed would fail against itself, and only
RetryingStore, which sees the failed attempt, can tell that apart from a real conflict;
one layer of retries also keeps the attempts of a call countable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import obstore
from obstore.store import from_url

from standby.errors import BadInput, ObjectNotFound
from standby.storage.base import ObjectInfo, ObjectStore, Payload, PutMode, TreeSize, Versioned
from standby.storage.cloud_errors import first_line, mapped
from standby.storage.url import is_local, redact

LIST_CHUNK = 1000
DELETE_BATCH = 1000  # keys per bulk delete (S3 DeleteObjects takes at most 1000)
NO_RETRY_CONFIG: dict[str, Any] = {"max_retries": 0, "retry_timeout": timedelta(seconds=120)}
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


class ObstoreStore:
    """ObjectStore on obstore; one instance per root URL, one attempt per call."""

    def __init__(self, url: str, *, options: Mapping[str, str] | None = None):
        if is_local(url):
            raise BadInput(f"{url} is local: open it with LocalStore.")
        self.url = url
        self._gcs = url.startswith("gs://")  # its version token is the generation
        config, client = _split_options(url, options)
        try:
            settings: dict[str, Any] = {
                "config": config or None,
                "client_options": client,
                "retry_config": NO_RETRY_CONFIG,
            }
            self._store: Any = from_url(url, **settings)
        except Exception as e:  # obstore says ValueError, GenericError, ... for bad options
            raise BadInput(
                f"Cannot open {redact(url)}: {first_line(e)}",
                hint="Check the URL and the storage options (names as delta-rs takes them).",
            ) from e

    def __repr__(self) -> str:
        return f"ObstoreStore({redact(self.url)!r})"

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        with mapped(self.url, prefix, "list"):
            stream = obstore.list(self._store, prefix or None, offset=offset, chunk_size=LIST_CHUNK)
        return self._iterate(stream, prefix, offset)

    def _iterate(self, stream: Any, prefix: str, offset: str | None) -> Iterator[ObjectInfo]:
        # Filtered here too: Azure's startFrom is inclusive, and a server may ignore it.
        with mapped(self.url, prefix, "list"):
            for batch in stream:
                for meta in batch:
                    if offset is None or meta["path"] > offset:
                        yield _info(meta)

    def head(self, path: str) -> ObjectInfo:
        with mapped(self.url, path, "head"):
            return _info(obstore.head(self._store, path))

    def get(self, path: str) -> bytes:
        with mapped(self.url, path, "get"):
            return obstore.get(self._store, path).bytes().to_bytes()

    def get_versioned(self, path: str) -> Versioned:
        with mapped(self.url, path, "get"):
            result = obstore.get(self._store, path)
            token = result.meta.get("version") if self._gcs else result.meta.get("e_tag")
            data = result.bytes().to_bytes()
        if not token:
            raise BadInput(f"{redact(self.url)} gives no version of {path} to compare against.")
        return Versioned(data, str(token))

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        with mapped(self.url, path, "get"):
            result = obstore.get(self._store, path)
            chunks = iter(result.stream(min_chunk_size=chunk_size))
        while True:
            with mapped(self.url, path, "get"):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield bytes(chunk)

    def put(
        self,
        path: str,
        data: Payload,
        *,
        mode: PutMode = "overwrite",
        if_match: str | None = None,
    ) -> None:
        if if_match is not None and mode == "create":
            raise BadInput("A put is either put-if-absent or conditional on a version, not both.")
        with mapped(self.url, path, "put"):
            if if_match is not None or mode == "create":
                payload = data if isinstance(data, bytes) else b"".join(data)
                condition: Any = mode if if_match is None else self._version(if_match)
                obstore.put(self._store, path, payload, mode=condition, use_multipart=False)
            elif isinstance(data, bytes):
                obstore.put(self._store, path, data, mode="overwrite")
            else:
                self._put_chunks(path, data)

    def _version(self, token: str) -> dict[str, str]:
        return {"version": token} if self._gcs else {"e_tag": token}

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

    def copy_from(self, source: ObjectStore, src_path: str, dst_path: str) -> None:
        if source.url == self.url:  # the server copies: no bytes through this machine
            with mapped(self.url, src_path, "copy"):
                obstore.copy(self._store, src_path, dst_path, overwrite=True)
            return
        chunks = source.stream(src_path, chunk_size=WRITE_BUFFER)
        with mapped(self.url, dst_path, "put"):
            self._put_chunks(dst_path, chunks)

    def delete(self, path: str) -> None:
        try:
            with mapped(self.url, path, "delete"):
                obstore.delete(self._store, path)
        except ObjectNotFound:
            return

    def delete_prefix(self, prefix: str) -> TreeSize:
        if not prefix.strip("/"):
            raise BadInput(f"Refusing to delete the whole store {redact(self.url)}.")
        objects = list(self.list(prefix.strip("/") + "/"))
        paths = [o.path for o in objects]
        for i in range(0, len(paths), DELETE_BATCH):  # bulk deletes: one request per batch
            with mapped(self.url, prefix, "delete"):
                obstore.delete(self._store, paths[i : i + DELETE_BATCH])
        return TreeSize(len(objects), sum(o.size for o in objects))


def _info(meta: Mapping[str, Any]) -> ObjectInfo:
    return ObjectInfo(
        path=meta["path"],
        size=int(meta["size"]),
        last_modified=meta.get("last_modified"),
        etag=meta.get("e_tag"),
    )
