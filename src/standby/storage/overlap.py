"""Whether two locations overlap: one is the other, or lies inside it.

Every command that copies a table into a location refuses a target that is its source,
lies inside the source, or holds the source, before anything is written: a replica or
clone inside the source is data the source's VACUUM deletes, and a target holding the
source writes a log over the source's own files. Local paths are compared after
resolving symbolic links; URLs by store (scheme family, bucket or container) and path
segments. The same bucket name behind two endpoints or accounts (a site's storage
options) is two stores.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlparse

from standby.errors import OverlappingLocations
from standby.storage.url import is_local, local_path, normalize, redact

FAMILIES = {"s3a": "s3", "azure": "az", "abfs": "az", "abfss": "az", "adl": "az"}
_IDENTITY_WORDS = ("endpoint", "account_name")  # option names that pick a different store


def refuse_overlap(
    source: str,
    target: str,
    *,
    source_options: Mapping[str, str] | None = None,
    target_options: Mapping[str, str] | None = None,
    source_what: str = "source table",
    target_what: str = "target",
) -> None:
    """Raise OverlappingLocations (bad input, exit 2) when `target` is `source`, lies
    inside it, or holds it. Raises UnsupportedURI for a URI standby does not take."""
    if not _same_store(source_options, target_options):
        return
    src, dst = _location(source), _location(target)
    if src[0] != dst[0]:
        return
    s, t = src[1], dst[1]
    if s == t:
        relation = "is"
    elif t[: len(s)] == s:
        relation = "is inside"
    elif s[: len(t)] == t:
        relation = "holds"
    else:
        return
    raise OverlappingLocations(
        f"The {target_what} {redact(normalize(target))} {relation} the {source_what} "
        f"{redact(normalize(source))}. Nothing was written.",
        hint=f"Choose a {target_what} outside the {source_what}, and not above it.",
    )


def _location(uri: str) -> tuple[tuple[str, str], tuple[str, ...]]:
    """((scheme family, bucket or container), path segments) of a URI."""
    url = normalize(uri)
    if is_local(url):
        path = os.path.realpath(local_path(url))
        return ("file", ""), tuple(p for p in path.split(os.sep) if p)
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    bucket = parsed.netloc.split("@", 1)[0] if "@" in parsed.netloc else parsed.netloc
    segments = tuple(p for p in parsed.path.split("/") if p)
    return (FAMILIES.get(scheme, scheme), bucket), segments


def _same_store(a: Mapping[str, str] | None, b: Mapping[str, str] | None) -> bool:
    """False when the options name different endpoints or accounts for the same key."""
    first, second = _identity(a), _identity(b)
    return all(second.get(k, v) == v for k, v in first.items())


def _identity(options: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (options or {}).items():
        name = key.lower()
        for prefix in ("aws_", "azure_storage_", "azure_", "google_"):
            name = name.removeprefix(prefix)
        if any(word in name for word in _IDENTITY_WORDS):
            out[name.removesuffix("_url")] = str(value).rstrip("/")
    return out
