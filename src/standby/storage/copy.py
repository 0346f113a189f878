"""`copy_object`: the function form of `ObjectStore.copy_from`, for callers that hold both
stores (engines). The copy is the destination's, so its wrappers see it; see base.py."""

from __future__ import annotations

from standby.storage.base import ObjectStore


def copy_object(src: ObjectStore, src_path: str, dst: ObjectStore, dst_path: str) -> None:
    """Copy src/src_path to dst/dst_path, overwriting. Raises ObjectNotFound. Idempotent."""
    dst.copy_from(src, src_path, dst_path)
