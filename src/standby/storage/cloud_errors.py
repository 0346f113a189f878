"""obstore's exceptions as standby errors: one line each, naming the store, the operation
and the object, and saying what to check (credentials, bucket, endpoint)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from obstore import exceptions as obx

from standby.errors import (
    AccessDenied,
    BadInput,
    BucketNotFound,
    ObjectChanged,
    ObjectExists,
    ObjectNotFound,
    StandbyError,
    Unreachable,
)
from standby.storage.url import redact

STATUS = re.compile(r"status code: (\d{3})")
# What S3 and Azure say, in the error body, when the bucket or container itself is missing.
NO_BUCKET = re.compile(r"<Code>(NoSuchBucket|ContainerNotFound)</Code>")
CREDENTIALS_HINT = (
    "Check the credentials for this store: the environment (AWS_*, AZURE_STORAGE_*, "
    "GOOGLE_*) or the site's storage_options in standby.yml."
)


def bucket_of(url: str) -> str:
    """The bucket or container a cloud URL names (abfss://container@account/...)."""
    return urlparse(url).netloc.split("@", 1)[0]


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@contextmanager
def mapped(store_url: str, path: str, operation: str) -> Iterator[None]:
    """Turn vendor exceptions into standby errors that name the object, in one line."""
    where = f"{redact(store_url).rstrip('/')}/{path}" if path else redact(store_url)
    try:
        yield
    except StandbyError:
        raise
    except Exception as e:
        raise translate(e, store_url, where, operation) from e


def translate(e: Exception, store_url: str, where: str, operation: str) -> Exception:
    """The standby error for one vendor exception (returned, for the caller to raise)."""
    text, store = str(e), redact(store_url)
    status = STATUS.search(text)
    code = status[1] if status else None
    if (found := NO_BUCKET.search(text)) is not None:
        return BucketNotFound(
            f"The bucket or container '{bucket_of(store_url)}' of {store} does not exist "
            f"({found[1]}): {operation} of {where} failed.",
            hint="Create it, or correct the URI, or the endpoint or account in the storage "
            "options.",
            path=where,
        )
    if isinstance(e, obx.PreconditionError):
        return ObjectChanged(
            f"{where} changed since it was read (or is gone): the conditional {operation} "
            "did not write.",
            path=where,
        )
    if isinstance(e, obx.NotFoundError | FileNotFoundError):
        return ObjectNotFound(f"{where} does not exist.", path=where)
    if isinstance(e, obx.AlreadyExistsError):
        return ObjectExists(f"{where} already exists.", path=where)
    denied = isinstance(e, obx.PermissionDeniedError | obx.UnauthenticatedError | PermissionError)
    if denied or code in {"401", "403"}:
        return AccessDenied(
            f"{store} refused {operation} of {where} (HTTP {code or '403'}): the credentials "
            "were not accepted.",
            hint=CREDENTIALS_HINT,
            path=where,
        )
    wrong = isinstance(
        e, obx.InvalidPathError | obx.NotSupportedError | obx.UnknownConfigurationKeyError
    )
    if wrong or _is_rejection(text, code):  # retrying cannot help: the request is wrong
        return BadInput(
            f"Storage {store} rejected {operation} of {where}: {first_line(e)}",
            hint="Check the endpoint, region and storage options; an http:// endpoint "
            "needs AWS_ALLOW_HTTP=true or AZURE_ALLOW_HTTP=true.",
            path=where,
        )
    if isinstance(e, obx.BaseError | ConnectionError | TimeoutError | OSError):
        return Unreachable(
            f"Storage {store} failed during {operation} of {where}: {first_line(e)}", path=where
        )
    return e  # not a storage failure: a bug, shown as one


def _is_rejection(message: str, code: str | None) -> bool:
    """A client error (4xx but timeout and throttling) or a request that could not be built."""
    if "builder error" in message:
        return True
    return code is not None and code.startswith("4") and code not in {"408", "429"}
