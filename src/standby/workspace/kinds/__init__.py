"""Resource kinds: what standby knows about each kind of workspace object, declared once,
one module per family (compute, notebooks, jobs, catalog, access) on the shape in `base`.

`kinds()` is in dependency order: an object is created after everything it references.
"""

from __future__ import annotations

from collections.abc import Iterable

from standby.config import WORKSPACE_KINDS
from standby.errors import BadInput
from standby.workspace.kinds import access, catalog, compute, jobs, notebooks
from standby.workspace.kinds.base import Doc, Kind, Ref, Remote

__all__ = ["Doc", "Kind", "Ref", "Remote", "kind", "kinds", "needed", "select"]


def _registry() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    for module in (compute, notebooks, jobs, catalog, access):
        found.update({k.name: k for k in module.KINDS})
    missing = set(WORKSPACE_KINDS) - set(found)
    assert not missing, f"no declaration for workspace kinds {sorted(missing)}"
    return {name: found[name] for name in WORKSPACE_KINDS}


_KINDS: dict[str, Kind] = _registry()


def kinds() -> dict[str, Kind]:
    """Every kind by name, in dependency order (standby.config.WORKSPACE_KINDS)."""
    return _KINDS


def kind(name: str) -> Kind:
    return _KINDS[name]


def select(names: Iterable[str] | None) -> list[str]:
    """The kinds asked for (all when None), checked and in dependency order."""
    if names is None:
        return list(WORKSPACE_KINDS)
    wanted = {n.strip() for n in names if n.strip()}
    unknown = sorted(wanted - set(WORKSPACE_KINDS))
    if unknown:
        raise BadInput(
            f"Unknown workspace kind(s): {', '.join(unknown)}.",
            hint=f"Kinds: {', '.join(WORKSPACE_KINDS)}.",
        )
    return [k for k in WORKSPACE_KINDS if k in wanted]


def needed(names: Iterable[str]) -> list[str]:
    """`names` plus every kind their references point at (to index ids by name), in order."""
    out = set(names)
    todo = list(out)
    while todo:
        for other in kind(todo.pop()).referenced_kinds() - out:
            out.add(other)
            todo.append(other)
    return [k for k in WORKSPACE_KINDS if k in out]
