"""Copying one object between two stores: the fastest way the pair allows.

local -> local: the kernel's copy (copy_file_range) into a temporary name, then
an atomic rename; same store: the server's copy; otherwise a stream with bounded memory
(obstore turns it into a multipart upload). A copy is retried whole on Unreachable, and a
reader never sees a partial object at the destination.
"""

from __future__ import annotations

import os

from standby.storage.base import ObjectStore
from standby.storage.local import copy_file
from standby.storage.retry import with_retries
from standby.storage.url import is_local, local_path

STREAM_CHUNK = 8 << 20


def copy_object(src: ObjectStore, src_path: str, dst: ObjectStore, dst_path: str) -> None:
    """Copy src/src_path to dst/dst_path, overwriting. Raises ObjectNotFound. Idempotent."""
    if is_local(src.url) and is_local(dst.url):
        copy_file(
            os.path.join(local_path(src.url), src_path), os.path.join(local_path(dst.url), dst_path)
        )
    elif src.url == dst.url:
        src.copy(src_path, dst_path)
    else:
        with_retries(
            f"copy {src_path}",
            lambda: dst.put(dst_path, src.stream(src_path, chunk_size=STREAM_CHUNK)),
        )
