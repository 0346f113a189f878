"""Control objects: `<root>/_standby/control.json` on each site's storage root.

They say which site is primary, which is the replica and which is fenced, at an epoch
that only grows, and they change only by conditional writes (invariant 14): put-if-absent
to create, compare-and-swap against the version read to change. Replication writes a
replica only while they say source=primary, target=replica, at the same epoch (invariant
8): a deposed primary, or a promoted replica, is fenced.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Literal

from standby.errors import BadInput, ObjectChanged, ObjectExists, ObjectNotFound, Refused
from standby.storage import ObjectStore, redact

CONTROL_PATH = "_standby/control.json"
Role = Literal["primary", "replica", "fenced"]


@dataclass(frozen=True)
class Control:
    site: str
    role: Role
    epoch: int
    updated_ms: int
    operation_id: str | None = None  # the operation that made the last change

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()


def _parse(raw: bytes, root: ObjectStore) -> Control:
    try:
        return Control(**json.loads(raw))
    except (ValueError, TypeError) as e:
        raise BadInput(f"{redact(root.url)}/{CONTROL_PATH} is not a control object: {e}.") from e


def read_control(root: ObjectStore) -> Control | None:
    try:
        return _parse(root.get(CONTROL_PATH), root)
    except ObjectNotFound:
        return None


def initialize(root: ObjectStore, *, site: str, role: Role, epoch: int = 1) -> Control:
    """Create the control object if absent (put-if-absent); return what is there."""
    control = Control(site, role, epoch, int(time.time() * 1000))
    try:
        root.put(CONTROL_PATH, control.to_json(), mode="create")
    except ObjectExists:
        existing = read_control(root)
        if existing is None:  # deleted in between: nothing to return but what we meant
            raise Refused(
                f"{redact(root.url)}/{CONTROL_PATH} changed while being created."
            ) from None
        return existing
    return control


def transition(
    root: ObjectStore,
    *,
    expect: tuple[Role, int],
    to: tuple[Role, int],
    operation_id: str,
) -> Control:
    """Move the control object from role/epoch `expect` to `to` by compare-and-swap.

    Idempotent: an object already at `to` is returned as it is. Refused when it is at
    neither (someone else moved it), or when `to` would lower the epoch (invariant 14).
    """
    if to[1] < expect[1]:
        raise Refused(f"An epoch never decreases: {expect[1]} -> {to[1]} refused.")
    try:
        current = root.get_versioned(CONTROL_PATH)
    except ObjectNotFound:
        raise Refused(
            f"No control object at {redact(root.url)}.",
            hint="Run `standby replicate` with the config once to initialise both sites.",
        ) from None
    control = _parse(current.data, root)
    if (control.role, control.epoch) == to:
        return control
    if (control.role, control.epoch) != expect:
        raise Refused(
            f"The control object of {control.site} at {redact(root.url)} is {control.role} "
            f"at epoch {control.epoch}, not {expect[0]} at epoch {expect[1]}: another "
            "operation moved it. Nothing was changed.",
            hint="`standby status` shows the roles; `standby operations list` what ran.",
        )
    changed = Control(control.site, to[0], to[1], int(time.time() * 1000), operation_id)
    try:
        root.put(CONTROL_PATH, changed.to_json(), mode="overwrite", if_match=current.etag)
    except ObjectChanged:
        raise Refused(
            f"The control object at {redact(root.url)} changed while standby moved it to "
            f"{to[0]} at epoch {to[1]}: another operation is running.",
        ) from None
    return changed


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
