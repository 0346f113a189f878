"""Diff: per object added, removed or changed, and per changed object the field paths with
their old and new values. Two snapshots are compared as on the second one's site (mapping
rules and storage locations translated), with each standby job's pause state read back
from its tag, so that a freshly synced DR workspace compares equal to its primary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from standby.config import Config
from standby.workspace.kinds import Doc, select
from standby.workspace.kinds.jobs import as_on_primary
from standby.workspace.mapping import translate
from standby.workspace.normalize import list_key
from standby.workspace.snapshot import Snapshot


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ObjectDiff:
    kind: str
    name: str
    status: str  # added (only in B) | removed (only in A) | changed
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class Diff:
    a: str
    b: str
    kinds: list[str]
    objects: list[ObjectDiff]
    notes: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.objects

    def counts(self) -> dict[str, int]:
        statuses = ("added", "removed", "changed")
        return {s: sum(o.status == s for o in self.objects) for s in statuses}


def compare(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """The field paths where `new` differs from `old`. Lists whose elements have a key
    (task_key, name, ...) are compared element by element, whatever their order."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[FieldChange] = []
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            out.extend(compare(old.get(key), new.get(key), sub))
        return out
    if isinstance(old, list) and isinstance(new, list):
        key = list_key(old) if old else list_key(new)
        if key and (not new or list_key(new) == key) and (not old or list_key(old) == key):
            by_old = {str(e[key]): e for e in old}
            by_new = {str(e[key]): e for e in new}
            out = []
            for label in [*by_old, *(k for k in by_new if k not in by_old)]:
                out.extend(compare(by_old.get(label), by_new.get(label), f"{path}[{label}]"))
            return out
    return [] if old == new else [FieldChange(path, old, new)]


def comparable(kind_name: str, doc: Doc) -> Doc:
    """A document as diff compares it: a standby's job reads as its primary's."""
    return as_on_primary(doc) if kind_name == "jobs" else doc


def diff_snapshots(
    a: Snapshot,
    b: Snapshot,
    *,
    config: Config | None = None,
    kinds: Iterable[str] | None = None,
    a_label: str | None = None,
    b_label: str | None = None,
) -> Diff:
    """What differs between the configuration in `a` and in `b`, seen from `b`'s site."""
    common = [k for k in select(kinds) if k in a.objects and k in b.objects]
    result = Diff(a=a_label or a.site or "A", b=b_label or b.site or "B", kinds=common, objects=[])
    skipped = sorted(set(select(kinds)) - set(common))
    if skipped:
        result.notes.append(f"not in both: {', '.join(skipped)} (not compared)")
    known = config.sites if config else {}
    if a.site != b.site and (a.site not in known or b.site not in known):
        result.notes.append("no mapping rules applied: a site is unknown to standby.yml")
    translated = translate(a.objects, config=config, from_site=a.site, to_site=b.site)
    for (kind_name, name), problems in sorted(translated.problems.items()):
        result.notes.extend(f"{kind_name}/{name}: {p}" for p in problems)
    for kind_name in common:
        left, right = translated.objects[kind_name], b.objects[kind_name]
        for name in sorted(set(left) | set(right)):
            if name not in right:
                result.objects.append(ObjectDiff(kind_name, name, "removed"))
            elif name not in left:
                result.objects.append(ObjectDiff(kind_name, name, "added"))
            else:
                old, new = comparable(kind_name, left[name]), comparable(kind_name, right[name])
                changes = compare(old, new)
                if changes:
                    result.objects.append(ObjectDiff(kind_name, name, "changed", changes))
    return result
