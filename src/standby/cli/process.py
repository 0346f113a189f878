"""Settings of a console process, made before any library loads (none is imported here):
pyarrow's buffers from the system allocator, returned when freed, and no pandas, which
pyarrow would load on the first array it builds (0.3 s and 40 MB standby never uses).
A command reading a large log then peaks about 80 MB lower (bench/scale.py)."""

from __future__ import annotations

import contextlib
import ctypes
import importlib.abc
import os
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter; a fixed value also stops its growth


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] == "pandas":
            raise ImportError("standby does not use pandas")


def tune_console_process() -> None:
    """For `standby` run as a process of its own, never for a caller importing the library."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas())
    with contextlib.suppress(OSError, AttributeError):  # not glibc: its own policy stands
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 128 << 10)
