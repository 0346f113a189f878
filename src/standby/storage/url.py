"""Storage URIs: what standby accepts, and how they are normalised and joined."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from standby.errors import UnsupportedURI

CLOUD_SCHEMES = {"s3", "s3a", "az", "azure", "abfs", "abfss", "adl", "gs"}
SCHEMES = {"file", *CLOUD_SCHEMES}


def normalize(uri: str) -> str:
    """A canonical URL without a trailing slash: local paths become file:// URLs.

    Raises UnsupportedURI for an unknown scheme or an empty URI.
    """
    uri = uri.strip()
    if not uri:
        raise UnsupportedURI("An empty URI was given.", hint="Give a path or a URL.")
    if "://" not in uri:
        return Path(os.path.abspath(os.path.expanduser(uri))).as_uri().rstrip("/")
    scheme = uri.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        raise UnsupportedURI(
            f"Unknown URI scheme '{scheme}://' in {uri!r}.",
            hint="Use a local path, file://, s3://, az://, abfss:// or gs://.",
        )
    if scheme == "file":
        return Path(local_path(uri)).as_uri().rstrip("/")
    parsed = urlparse(uri)
    if not parsed.netloc:
        raise UnsupportedURI(f"The URI {uri!r} names no bucket or container.")
    return f"{scheme}://{parsed.netloc}{parsed.path}".rstrip("/")


def local_path(url: str) -> str:
    """The filesystem path of a file:// URL (or a plain path)."""
    if url.startswith("file://"):
        return unquote(urlparse(url).path) or "/"
    return os.path.abspath(url)


def is_local(url: str) -> bool:
    return url.startswith("file://") or "://" not in url


def join(url: str, *parts: str) -> str:
    """`url` with relative parts appended, '/'-separated."""
    tail = "/".join(p.strip("/") for p in parts if p)
    return f"{url.rstrip('/')}/{tail}" if tail else url


def split_scheme(url: str) -> tuple[str, str]:
    """(scheme, rest) of a normalised URL."""
    scheme, _, rest = url.partition("://")
    return scheme, rest


def redact(url: str) -> str:
    """The URL without user info or query string: safe to print and to store."""
    parsed = urlparse(url)
    if not parsed.scheme or parsed.scheme == "file":
        return url
    host = parsed.hostname or ""
    return f"{parsed.scheme}://{host}{parsed.path}"
