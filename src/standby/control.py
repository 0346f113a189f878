"""Control objects: `<root>/_standby/control.json` on each site's storage root.

They say which site is primary and which is the replica, at an epoch that only grows, and
they change only by conditional writes. Replication writes a replica only while they say
source=primary, target=replica, at the same epoch (invariant 8): a deposed primary, or a
promoted replica, is fenced.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Literal

from standby.errors import BadInput, ObjectExists, ObjectNotFound, Refused
from standby.storage import ObjectStore, redact

CONTROL_PATH = "_standby/control.json"
Role = Literal["primary", "replica"]


@dataclass(frozen=True)
class Control:
    site: str
    role: Role
    epoch: int
    updated_ms: int

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()


def read_control(root: ObjectStore) -> Control | None:
    try:
        raw = root.get(CONTROL_PATH)
    except ObjectNotFound:
        return None
    try:
        return Control(**json.loads(raw))
    except (ValueError, TypeError) as e:
        raise BadInput(f"{redact(root.url)}/{CONTROL_PATH} is not a control object: {e}.") from e


def initialize(root: ObjectStore, *, site: str, role: Role, epoch: int = 1) -> Control:
    """Create the control object if absent (put-if-absent); return what is there."""
    control = Control(site, role, epoch, int(time.time() * 1000))
    try:
        root.put(CONTROL_PATH, control.to_json(), mode="create")
    except ObjectExists:
        existing = read_control(root)
        assert existing is not None
        return existing
    return control


def require_replication_allowed(primary: ObjectStore, replica: ObjectStore) -> int:
    """The epoch at which replication may write `replica`; Refused (fenced) otherwise."""
    src, dst = read_control(primary), read_control(replica)
    if src is None or dst is None:
        raise Refused(
            f"No control object at {redact((primary if src is None else replica).url)}.",
            hint="Run `standby replicate` with the config once to initialise both sites.",
        )
    if src.role != "primary" or dst.role != "replica" or src.epoch != dst.epoch:
        raise Refused(
            f"Replication is fenced: {src.site} is {src.role} at epoch {src.epoch} and "
            f"{dst.site} is {dst.role} at epoch {dst.epoch}; standby writes a replica only "
            "while its source is the primary at the same epoch.",
            hint="After a failover, replicate in the other direction (failback) instead.",
        )
    return src.epoch
