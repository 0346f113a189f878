"""Diff: per object added, removed or changed, and per changed object the field paths with
their old and new values. Two snapshots are compared as on the second one's site (mapping
rules and storage locations translated, locations in one spelling), so that a freshly
synced DR workspace compares equal to its primary, and `diff A B` reports the objects and
fields that `diff B A` does. A standby's job and its primary's are compared with the two
pause states apart: the primary's real one against the one the standby recorded, and the
standby's real one, which must be PAUSED (`kinds.jobs.pause_views`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from standby.config import Config
from standby.workspace.kinds import Doc, kind, select
from standby.workspace.kinds.jobs import from_bundle, held_by_standby, pause_notes, pause_views
from standby.workspace.mapping import translate
from standby.workspace.normalize import list_key, with_plain_locations
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
    """What differs between two configurations, seen from `b`: objects only on one side,
    and the fields that changed."""

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


def comparable(kind_name: str, a: Doc, b: Doc) -> tuple[Doc, Doc]:
    """Two documents of one object as diff compares them: locations in one spelling, and
    a standby's job beside its primary's with the pause states apart."""
    spec = kind(kind_name)
    a, b = with_plain_locations(spec, a), with_plain_locations(spec, b)
    side = _standby_side(kind_name, a, b)
    if side is None:
        return a, b
    if side == 1:
        return pause_views(a, b)
    seen_b, seen_a = pause_views(b, a)
    return seen_a, seen_b


def _standby_side(kind_name: str, a: Doc, b: Doc) -> int | None:
    """1 when `b` is a standby's copy of the job `a`, 0 when `a` is one of `b`, else None."""
    if kind_name != "jobs" or held_by_standby(a) == held_by_standby(b):
        return None
    return 1 if held_by_standby(b) else 0


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
                changes = compare(*comparable(kind_name, left[name], right[name]))
                if not changes:
                    continue
                result.objects.append(ObjectDiff(kind_name, name, "changed", changes))
                side = _standby_side(kind_name, left[name], right[name])
                if side is not None:
                    pair = (left[name], right[name])
                    where = (result.a, result.b)[side]
                    result.notes += pause_notes(name, pair[1 - side], pair[side], where=where)
    result.notes += _bundle_notes(result, translated.objects, b.objects)
    return result


def _bundle_notes(
    diff: Diff, a: dict[str, dict[str, Doc]], b: dict[str, dict[str, Doc]]
) -> list[str]:
    """Which differing jobs Asset Bundles deployed: sync leaves those to their bundle."""
    owned = [
        o.name
        for o in diff.objects
        if o.kind == "jobs"
        and any(from_bundle(side.get("jobs", {}).get(o.name, {})) for side in (a, b))
    ]
    return [
        f"jobs/{name}: deployed by a Databricks Asset Bundle; `standby config sync` leaves it "
        "to its bundle (deploy the bundle there, or sync with --include-bundle-jobs)"
        for name in owned
    ]
