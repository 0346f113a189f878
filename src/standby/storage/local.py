"""The local-filesystem backend, on plain system calls: a log read costs one open(), not a
trip through an async runtime, which makes reading 10,000 commits take a fraction of a second.

Writes are atomic: data goes to a temporary file in the same directory, then a hard link
(put-if-absent: the link fails if the name is taken) or a rename (overwrite) publishes it.
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from standby.errors import AccessDenied, ObjectExists, ObjectNotFound, Unreachable
from standby.storage.base import ObjectInfo, PutMode
from standby.storage.url import local_path


@contextmanager
def _mapped(path: str, operation: str) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError as e:
        raise ObjectNotFound(f"{path} does not exist.", path=path) from e
    except FileExistsError as e:
        raise ObjectExists(f"{path} already exists.", path=path) from e
    except PermissionError as e:
        raise AccessDenied(f"Access to {path} was denied during {operation}.", path=path) from e
    except IsADirectoryError as e:
        raise ObjectNotFound(f"{path} is a directory, not an object.", path=path) from e
    except OSError as e:
        raise Unreachable(f"{operation} of {path} failed: {e.strerror or e}.", path=path) from e


def _info(relative: str, st: os.stat_result) -> ObjectInfo:
    return ObjectInfo(
        path=relative,
        size=st.st_size,
        last_modified=datetime.fromtimestamp(st.st_mtime, tz=UTC),
        etag=f"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}",
    )


def _temporary(target: str) -> str:
    return os.path.join(
        os.path.dirname(target), f".{os.path.basename(target)}.{uuid.uuid4().hex}.tmp"
    )


def copy_file(source: str, target: str) -> None:
    """Copy one file atomically (temporary name, then rename), in the kernel where it can:
    copy_file_range avoids user space and lets the filesystem share extents."""
    with _mapped(source, "copy"):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = _temporary(target)
        try:
            with open(source, "rb") as fin, open(tmp, "wb") as fout:
                try:
                    remaining = os.fstat(fin.fileno()).st_size
                    while remaining > 0:
                        n = os.copy_file_range(fin.fileno(), fout.fileno(), remaining)
                        if n == 0:
                            break
                        remaining -= n
                except OSError:  # another filesystem or an old kernel: let shutil choose
                    fin.seek(0)
                    fout.seek(0)
                    fout.truncate()
                    shutil.copyfileobj(fin, fout, 8 << 20)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


class LocalStore:
    """ObjectStore on a directory; '/'-separated relative paths map to files under it."""

    def __init__(self, url: str):
        self.url = url
        self.root = local_path(url)

    def __repr__(self) -> str:
        return f"LocalStore({self.root!r})"

    def _abs(self, path: str) -> str:
        return os.path.join(self.root, path) if path else self.root

    def list(self, prefix: str = "", *, offset: str | None = None) -> Iterator[ObjectInfo]:
        # As in object_store, a prefix is a whole path segment: 'b' lists b/..., not bz/...
        base = self._abs(prefix.rstrip("/"))
        found: list[ObjectInfo] = []
        with _mapped(base, "list"):
            if not os.path.isdir(base):
                return iter(())
            rel = prefix.strip("/")
            self._walk(base, f"{rel}/" if rel else "", offset, found)
        found.sort(key=lambda o: o.path)
        return iter(found)

    def _walk(self, directory: str, rel: str, offset: str | None, out: list[ObjectInfo]) -> None:
        """Objects under `directory` (named `rel` + name) that sort after `offset`. A name
        before the offset costs no system call, so listing a log from a version costs one
        directory read plus what follows the version."""
        for name in os.listdir(directory):
            path = rel + name
            if offset is not None and path <= offset and not offset.startswith(path):
                continue  # neither it nor anything below it sorts after the offset
            full = os.path.join(directory, name)
            try:
                st = os.stat(full)
            except FileNotFoundError:
                continue  # removed while listing
            if stat.S_ISDIR(st.st_mode):
                below = path + "/"
                if offset is None or offset < below or offset.startswith(below):
                    self._walk(full, below, offset, out)
            elif (
                stat.S_ISREG(st.st_mode)
                and not name.endswith(".tmp")
                and (offset is None or path > offset)
            ):
                out.append(_info(path, st))

    def head(self, path: str) -> ObjectInfo:
        with _mapped(self._abs(path), "head"):
            st = os.stat(self._abs(path))
            if not os.path.isfile(self._abs(path)):
                raise FileNotFoundError(path)
            return _info(path, st)

    def get(self, path: str) -> bytes:
        with _mapped(self._abs(path), "get"), open(self._abs(path), "rb") as f:
            return f.read()

    def stream(self, path: str, *, chunk_size: int = 8 << 20) -> Iterator[bytes]:
        with _mapped(self._abs(path), "get"):
            f = open(self._abs(path), "rb")  # noqa: SIM115 - closed when the generator ends
        with f:
            while chunk := f.read(chunk_size):
                yield chunk

    def put(self, path: str, data: bytes | Iterable[bytes], *, mode: PutMode = "overwrite") -> None:
        target = self._abs(path)
        with _mapped(target, "put"):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = _temporary(target)
            try:
                with open(tmp, "wb") as f:
                    if isinstance(data, bytes):
                        f.write(data)
                    else:
                        for chunk in data:
                            f.write(chunk)
                if mode == "create":
                    os.link(tmp, target)  # atomic, and fails if the name is taken
                else:
                    os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)

    def copy(self, src: str, dst: str) -> None:
        copy_file(self._abs(src), self._abs(dst))

    def delete(self, path: str) -> None:
        try:
            os.unlink(self._abs(path))
        except FileNotFoundError:
            return
        except OSError as e:
            with _mapped(self._abs(path), "delete"):
                raise e
