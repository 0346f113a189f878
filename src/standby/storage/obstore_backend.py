"""The one ObjectStore backend: obstore (Rust object_store) for local, S3, Azure and GCS.

Credentials and endpoints come from the environment, as obstore and delta-rs read them
(AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, AZURE_STORAGE_USE_EMULATOR, ...), plus an optional
`options` mapping from the site's config.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import obstore
from obstore import exceptions as obx
from obstore.store import LocalStore, from_url

from standby.errors import AccessDenied, ObjectExists, ObjectNotFound, StandbyError, Unreachable
from standby.storage.base import ObjectInfo, PutMode
from standby.storage.url import is_local, local_path, redact

LIST_CHUNK = 1000
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
CLIENT_OPTIONS = {"connect_timeout": "5s", "timeout": "120s"}


def _client_options() -> dict[str, Any]:
    options: dict[str, Any] = dict(CLIENT_OPTIONS)
    if os.environ.get("AWS_ALLOW_HTTP", "").lower() in {"1", "true", "yes"}:
        options["allow_http"] = True
    return options


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
        raise Unreachable(
            f"Storage {redact(store_url)} failed during {operation} of {path or '/'}: {first_line}",
            path=where,
        ) from e


class ObstoreStore:
    """ObjectStore on obstore; one instance per root URL."""

    def __init__(self, url: str, *, options: Mapping[str, str] | None = None):
        self.url = url
        self._local = is_local(url)
        self._root = local_path(url) if self._local else ""
        self._store: Any = None  # a local root is opened when it exists or is written to
        with _mapped(url, "", "open"):
            if not self._local:
                self._store = from_url(
                    url,
                    config=dict(options or {}) or None,
                    client_options=_client_options(),
                    retry_config=RETRY_CONFIG,
                )

    def __repr__(self) -> str:
        return f"ObstoreStore({redact(self.url)!r})"

    def _handle(self, *, write: bool = False) -> Any:
        """The obstore store; a missing local root is created on write, NotFound on read."""
        if self._store is None:
            if not os.path.isdir(self._root):
                if not write:
                    raise ObjectNotFound(f"{self._root} does not exist.", path=self._root)
                os.makedirs(self._root, exist_ok=True)
            self._store = LocalStore(self._root)
        return self._store

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        if self._local and not os.path.isdir(os.path.join(self._root, prefix)):
            return iter(())
        with _mapped(self.url, prefix, "list"):
            stream = obstore.list(
                self._handle(), prefix or None, offset=offset, chunk_size=LIST_CHUNK
            )
            if self._local:  # object_store's local listing is unordered
                items = sorted((m for batch in stream for m in batch), key=lambda m: m["path"])
                return iter([_info(m) for m in items])
        return self._iterate(stream, prefix)

    def _iterate(self, stream: Any, prefix: str) -> Iterator[ObjectInfo]:
        with _mapped(self.url, prefix, "list"):
            for batch in stream:
                for meta in batch:
                    yield _info(meta)

    def head(self, path: str) -> ObjectInfo:
        with _mapped(self.url, path, "head"):
            return _info(obstore.head(self._handle(), path))

    def get(self, path: str) -> bytes:
        with _mapped(self.url, path, "get"):
            return obstore.get(self._handle(), path).bytes().to_bytes()

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        with _mapped(self.url, path, "get"):
            result = obstore.get(self._handle(), path)
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
                    self._handle(write=True), path, payload, mode="create", use_multipart=False
                )
            else:
                obstore.put(self._handle(write=True), path, data, mode="overwrite")

    def copy(self, src: str, dst: str) -> None:
        with _mapped(self.url, src, "copy"):
            if self._local:
                os.makedirs(os.path.dirname(os.path.join(self._root, dst)), exist_ok=True)
            obstore.copy(self._handle(write=True), src, dst, overwrite=True)

    def delete(self, path: str) -> None:
        try:
            with _mapped(self.url, path, "delete"):
                obstore.delete(self._handle(), path)
        except ObjectNotFound:
            return


def _info(meta: Mapping[str, Any]) -> ObjectInfo:
    return ObjectInfo(
        path=meta["path"],
        size=int(meta["size"]),
        last_modified=meta.get("last_modified"),
        etag=meta.get("e_tag"),
    )
