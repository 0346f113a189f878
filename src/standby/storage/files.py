"""Local file primitives for LocalStore: error mapping, atomic writes and kernel copies.

Every write lands under a temporary name in the target's directory and is published by a
link or a rename, so a reader never sees a partial file, and a killed writer leaves only a
`.tmp` file that listings hide and `delete_prefix` removes.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from standby.errors import AccessDenied, ObjectExists, ObjectNotFound, StandbyError, Unreachable
from standby.storage.base import ObjectInfo, Payload, TreeSize

COPY_CHUNK = 8 << 20
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


@contextmanager
def mapped(path: str, operation: str) -> Iterator[None]:
    """OS errors as standby errors that name the file."""
    try:
        yield
    except StandbyError:
        raise
    except FileNotFoundError as e:
        raise ObjectNotFound(f"{path} does not exist.", path=path) from e
    except FileExistsError as e:
        raise ObjectExists(f"{path} already exists.", path=path) from e
    except PermissionError as e:
        raise AccessDenied(
            f"Access to {path} was denied during {operation}.",
            hint="Check the permissions of the directory and the user standby runs as.",
            path=path,
        ) from e
    except IsADirectoryError as e:
        raise ObjectNotFound(f"{path} is a directory, not an object.", path=path) from e
    except OSError as e:
        raise Unreachable(f"{operation} of {path} failed: {e.strerror or e}.", path=path) from e


def file_info(relative: str, st: os.stat_result, token: str) -> ObjectInfo:
    return ObjectInfo(
        path=relative,
        size=st.st_size,
        last_modified=datetime.fromtimestamp(st.st_mtime, tz=UTC),
        etag=token,
    )


def temporary(target: str) -> str:
    """A fresh temporary name beside `target`; listings hide it (it ends in .tmp)."""
    return os.path.join(
        os.path.dirname(target), f".{os.path.basename(target)}.{uuid.uuid4().hex}.tmp"
    )


def write_file(target: str, data: Payload, *, publish: Callable[[str, str], None]) -> None:
    """Write `data` to a temporary file, then `publish(tmp, target)` (link or rename)."""
    tmp = temporary(target)
    try:
        with open(tmp, "wb") as f:
            if isinstance(data, bytes):
                f.write(data)
            else:
                for chunk in data:
                    f.write(chunk)
        publish(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def copy_file(source: str, target: str) -> None:
    """Copy one file atomically (temporary name, then rename), in the kernel where it can:
    copy_file_range avoids user space and lets the filesystem share extents.

    On raw descriptors, with the target directory made only when the first open says it is
    missing: a copy costs about 8 system calls, as `cp` does, and each one is a point where
    copying threads hand the GIL over.
    """
    fin = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    try:
        tmp = temporary(target)
        try:
            fout = os.open(tmp, NEW_FILE, 0o666)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fout = os.open(tmp, NEW_FILE, 0o666)
        published = False
        try:
            _kernel_copy(fin, fout, os.fstat(fin).st_size)
            os.close(fout)
            fout = -1
            os.replace(tmp, target)
            published = True
        finally:
            if fout >= 0:
                os.close(fout)
            if not published:
                _unlink_quietly(tmp)
    finally:
        os.close(fin)


def _unlink_quietly(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


def _kernel_copy(fin: int, fout: int, size: int) -> None:
    try:
        remaining = size
        while remaining > 0:
            n = os.copy_file_range(fin, fout, remaining)
            if n == 0:
                break
            remaining -= n
    except OSError:  # another filesystem or an old kernel: copy through user space
        os.lseek(fin, 0, os.SEEK_SET)
        os.lseek(fout, 0, os.SEEK_SET)
        os.ftruncate(fout, 0)
        with open(fin, "rb", closefd=False) as src, open(fout, "wb", closefd=False) as dst:
            shutil.copyfileobj(src, dst, COPY_CHUNK)


def tree_size(directory: str) -> TreeSize:
    """Every file under `directory`, temporary ones of killed writers included."""
    files = size = 0
    for parent, _, names in os.walk(directory):
        for name in names:
            try:
                size += os.stat(os.path.join(parent, name), follow_symlinks=False).st_size
                files += 1
            except FileNotFoundError:  # removed meanwhile
                continue
    return TreeSize(files, size)
