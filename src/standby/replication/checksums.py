"""Version checksum files (`_delta_log/<v>.crc`) on the replica.

Readers use a crc to check a snapshot and to skip work, so the replica gets the source's
crc of each version it publishes: after that version's commit, never before (a crc
without its commit describes a version that does not exist yet). Writers often write the
crc a moment after the commit, so a pass also brings those that arrived late; it knows
what the replica holds from the listings it makes anyway. A crc that does not parse is
not copied: a reader does without one, but may trip over a malformed one.
"""

from __future__ import annotations

import json
import logging

from standby.delta.log import LogFile, LogKind, LogListing
from standby.errors import ObjectNotFound
from standby.storage import ObjectStore, redact

log = logging.getLogger(__name__)


def crc_files(listing: LogListing) -> dict[int, LogFile]:
    return {f.version: f for f in listing.others if f.kind is LogKind.CRC and f.version is not None}


class Checksums:
    """Publishes one table's crc files on its replica; remembers what it did across passes."""

    def __init__(self) -> None:
        self.published: set[int] = set()
        self.malformed: set[int] = set()  # read once, not copied: not read again each poll
        self._listing: LogListing | None = None
        self._files: dict[int, LogFile] = {}

    def after_commit(
        self, version: int, listing: LogListing, source: ObjectStore, target: ObjectStore
    ) -> None:
        """Publish the crc of `version` (whose commit was just published) if listed."""
        if listing is not self._listing:
            self._listing, self._files = listing, crc_files(listing)
        f = self._files.get(version)
        if f is not None:
            self._publish(f, source, target)

    def late(
        self,
        listings: tuple[LogListing, LogListing],
        source: ObjectStore,
        target: ObjectStore,
        *,
        low: int,
        high: int,
    ) -> None:
        """Publish the crcs of versions low..high (published commits) that the replica
        lacks; `listings` are the source's and the replica's."""
        have = set(crc_files(listings[1])) | self.published | self.malformed
        for version, f in sorted(crc_files(listings[0]).items()):
            if low <= version <= high and version not in have:
                self._publish(f, source, target)

    def _publish(self, f: LogFile, source: ObjectStore, target: ObjectStore) -> None:
        assert f.version is not None
        try:
            raw = source.get(f.path)
        except ObjectNotFound:
            return  # removed by the source's log cleanup meanwhile: a hint, not data
        if not _well_formed(raw):
            log.warning("not copying %s/%s: not a JSON object", redact(source.url), f.path)
            self.malformed.add(f.version)
            return
        target.put(f.path, raw, mode="overwrite")
        self.published.add(f.version)


def _well_formed(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False
