"""One file copy as every engine makes it: `dst.copy_from` (the pair's fastest copy, through
every wrapper of the destination), then a size check.

The check is what makes a copy count as done: a destination shorter than the log says can
only come from a source that is itself short (the copy is atomic), and publishing a commit
over it would hand readers a broken table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from standby import errors
from standby.engines.base import CopyTask
from standby.errors import FilesMissing, ObjectNotFound, StandbyError
from standby.storage import ObjectStore


@dataclass(frozen=True)
class FileResult:
    """What copying one file came to; picklable, so it travels back from a Spark task."""

    dst_path: str
    bytes: int = 0
    seconds: float = 0.0
    error: str | None = None
    error_type: str | None = None  # the StandbyError subclass, by name

    def raise_error(self) -> None:
        """Raise the error this copy met, as the class it was raised with."""
        if self.error is None:
            return
        cls = getattr(errors, self.error_type or "", None)
        if not (isinstance(cls, type) and issubclass(cls, StandbyError)):
            cls = errors.Unreachable
        raise cls(self.error, path=self.dst_path)


def copy_checked(
    src: ObjectStore, src_path: str, dst: ObjectStore, dst_path: str, size: int | None
) -> int:
    """Copy src/src_path over dst/dst_path and return the size now stored there.

    Raises FilesMissing when that is less than `size` (the log's size; a lower bound for
    deletion-vector files, which hold many vectors), ObjectNotFound when the source is gone,
    Unreachable when storage fails. Idempotent: the copy is an atomic overwrite.
    """
    dst.copy_from(src, src_path, dst_path)
    stored = dst.head(dst_path).size
    if size is not None and stored < size:
        raise FilesMissing(
            f"{src_path} holds {stored} bytes where the log says {size}: the source file "
            "is short, so the copy is too.",
            hint="The source table is damaged; run `standby verify` on it.",
            path=dst_path,
        )
    return stored


def present(dst: ObjectStore, dst_path: str, size: int | None) -> bool:
    """Whether a previous attempt already left this file whole (known size only)."""
    if size is None:
        return False
    try:
        return dst.head(dst_path).size >= size
    except ObjectNotFound:
        return False


def copy_result(task: CopyTask) -> FileResult:
    """Copy one task; an error that retrying cannot fix (the file is gone, access denied,
    bad input) is returned, anything else (Unreachable, a bug) is raised."""
    started = time.monotonic()
    try:
        stored = copy_checked(task.src, task.src_path, task.dst, task.dst_path, task.size)
    except errors.Unreachable:
        raise
    except StandbyError as e:
        return FileResult(task.dst_path, error=e.message, error_type=type(e).__name__)
    return FileResult(task.dst_path, stored, round(time.monotonic() - started, 6))
