"""Documents: an API answer made into the canonical form that snapshots store and diffs
compare (server-set fields gone, empty values gone, references by name, keys sorted), and
the field paths that name a place in one (`tasks[ingest].new_cluster.policy_id`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from standby.errors import UnsupportedURI
from standby.storage.url import normalize
from standby.workspace.kinds import Doc, Kind, Ref

# Fields that identify an element of a list, tried in order; `tasks[ingest]` reads better
# than `tasks[0]` and survives a reordering.
LIST_KEYS = ("task_key", "job_cluster_key", "environment_key", "name", "key", "principal")


def prune(value: Any) -> Any:
    """`value` without None, empty dicts and empty lists at any depth: an absent field and
    an empty one mean the same to the API, and must not differ in a snapshot."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def holders(node: Any, path: str) -> Iterator[dict[str, Any]]:
    """The dicts that hold the last field of `path` (`[]` steps into each list element)."""
    head, _, rest = path.partition(".")
    if not isinstance(node, dict):
        return
    if head.endswith("[]"):
        items = node.get(head[:-2])
        for item in items if isinstance(items, list) else []:
            yield from holders(item, rest)
    elif not rest:
        if head in node:
            yield node
    else:
        yield from holders(node.get(head), rest)


def canonical(kind: Kind, body: Doc) -> Doc:
    """The document of an object: the kind's shape, without server-set fields or empties."""
    doc = copy.deepcopy(kind.to_doc(body))
    for path in kind.server_fields:
        field = path.rsplit(".", 1)[-1]
        for holder in holders(doc, path):
            holder.pop(field, None)
    pruned: Doc = prune(doc)
    return pruned


def with_plain_locations(kind: Kind, doc: Doc) -> Doc:
    """`doc` with each storage location in one spelling (`s3://b/x/` as `s3://b/x`), as
    standby maps them between sites: one place written two ways is not a difference."""
    if not kind.locations:
        return doc
    out = copy.deepcopy(doc)
    for path in kind.locations:
        field = path.rsplit(".", 1)[-1]
        for holder in holders(out, path):
            try:
                holder[field] = normalize(str(holder[field]))
            except UnsupportedURI:
                continue  # not a URL standby knows: compared as written
    return out


@dataclass(frozen=True)
class Unresolved:
    """A reference that names nothing on the side it was resolved against."""

    path: str
    kind: str
    value: str

    def describe(self, side: str) -> str:
        what = self.kind.rstrip("s").replace("_", " ")
        return f"{self.path} = {self.value!r} names no {what} in {side}"


Resolver = Callable[[str, str], str | None]  # (kind, value) -> the value on the other side


def rewrite_refs(
    kind: Kind, doc: Doc, resolve: Resolver, *, to_ids: bool
) -> tuple[Doc, list[Unresolved]]:
    """A copy of `doc` with each reference passed through `resolve` (ids to names on
    export, names to the target's ids on sync, `to_ids`, in the API's type), and the
    references it could not resolve (left as they were)."""
    out = copy.deepcopy(doc)
    missing: list[Unresolved] = []
    for ref in kind.refs:
        field = ref.path.rsplit(".", 1)[-1]
        for holder in holders(out, ref.path):
            value = holder[field]
            if not ref.applies(out, holder) or value in (None, ""):
                continue
            target = ref.target(out)
            found = resolve(target, str(value))
            if found is None:
                missing.append(Unresolved(_label_of(out, ref, holder), target, str(value)))
            else:
                holder[field] = ref.cast(found) if to_ids else found
    return out, missing


def _label_of(doc: Doc, ref: Ref, holder: dict[str, Any]) -> str:
    field = ref.path.rsplit(".", 1)[-1]
    for path, container, key in leaves(doc):
        if container is holder and key == field:
            return path
    return ref.path  # pragma: no cover - the holder is always inside the document


def list_key(items: list[Any]) -> str | None:
    """The field that names each element of `items`, when every element has a distinct one."""
    for key in LIST_KEYS:
        values = [i.get(key) if isinstance(i, dict) else None for i in items]
        if items and None not in values and len(set(map(str, values))) == len(values):
            return key
    return None


def list_labels(items: list[Any]) -> list[str]:
    """How each element of a list is named in a field path: by its key, else by index."""
    key = list_key(items)
    return [str(i[key]) for i in items] if key else [str(n) for n in range(len(items))]


def leaves(doc: Any, prefix: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(field path, container, key) of every scalar in `doc`, depth first."""
    if isinstance(doc, dict):
        items: list[tuple[str, Any]] = [(f"{prefix}.{k}" if prefix else str(k), k) for k in doc]
    elif isinstance(doc, list):
        items = [(f"{prefix}[{label}]", i) for i, label in enumerate(list_labels(doc))]
    else:
        return
    for path, key in items:
        value = doc[key]
        if isinstance(value, dict | list):
            yield from leaves(value, path)
        else:
            yield path, doc, key


def to_json(doc: Doc) -> str:
    """The bytes a snapshot stores: sorted keys, two-space indent, a final newline."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
