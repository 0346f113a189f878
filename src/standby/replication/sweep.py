"""Sweeping the temporary files that killed local copies leave in a replica.

A local write lands under `.NAME.<uuid hex>.tmp` beside its target and is renamed into
place (storage/local.py); a process killed mid-copy leaves that file behind, invisible to
listings and readers but taking space. A pass removes those not written to for
SWEEP_AGE_SECONDS: a live copy writes its file continuously. Even a copy stalled longer
than that loses nothing when its file goes: its rename fails, so that copy fails and
publishes nothing, and the pass that made it retries.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable

from standby.storage import is_local, local_path

log = logging.getLogger(__name__)
SWEEP_AGE_SECONDS = 15 * 60
TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{32}\.tmp$")


def sweep_temporaries(
    url: str,
    *,
    older_than: float = SWEEP_AGE_SECONDS,
    clock: Callable[[], float] = time.time,
) -> list[str]:
    """Remove leftover temporaries under a local replica root; returns their paths
    (relative, '/'-separated). Object stores have none: a no-op there."""
    if not is_local(url):
        return []
    root = local_path(url)
    cutoff = clock() - older_than
    removed: list[str] = []
    for directory, _, names in os.walk(root):
        for name in names:
            if not TEMPORARY.match(name):
                continue
            path = os.path.join(directory, name)
            try:
                if os.stat(path).st_mtime >= cutoff:
                    continue  # recent: a copy may still be writing it
                os.unlink(path)
            except FileNotFoundError:
                continue  # its copy finished (renamed) or cleaned up meanwhile
            removed.append(os.path.relpath(path, root).replace(os.sep, "/"))
    if removed:
        log.info("removed %d leftover temporary file(s) from %s", len(removed), url)
    return sorted(removed)
