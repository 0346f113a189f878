"""Site-specific values: a document of one site as it should read on another.

Two things differ between sites by design: values named by standby.yml's mapping rules
(an availability zone, an instance profile, the DR overrides of the guide's section 4.2),
and storage locations (same root name, same relative path: `Config.map_location`). Both
diff and sync translate before they compare or write; nothing else is rewritten.
"""

from __future__ import annotations

import copy
import fnmatch
from dataclasses import dataclass, field

from standby.config import Config, MappingRule
from standby.errors import BadInput
from standby.workspace.kinds import Doc, kind
from standby.workspace.normalize import holders, leaves

Objects = dict[str, dict[str, Doc]]


@dataclass
class Translation:
    """Documents as on the target site, and per object what could not be translated."""

    objects: Objects
    problems: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def translate(
    objects: Objects, *, config: Config | None, from_site: str | None, to_site: str | None
) -> Translation:
    """`objects` of `from_site` with mapping rules and storage locations made `to_site`'s.
    Without a config or a known pair of sites, the documents are returned as they are."""
    out = Translation(objects=copy.deepcopy(objects))
    if config is None or from_site is None or to_site is None or from_site == to_site:
        return out
    if from_site not in config.sites or to_site not in config.sites:
        return out
    rules = config.workspace_sync.mappings
    for kind_name, docs in out.objects.items():
        for name, doc in docs.items():
            apply_rules(kind_name, doc, rules, from_site, to_site)
            for problem in _map_locations(kind_name, doc, config, from_site, to_site):
                out.problems.setdefault((kind_name, name), []).append(problem)
    return out


def field_matches(path: str, pattern: str) -> bool:
    """Whether a field path matches a rule's glob (`*` spans dots); a leading `*.` also
    matches at the top level, so `*.zone_id` covers `zone_id` too."""
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return pattern.startswith("*.") and fnmatch.fnmatchcase(path, pattern[2:])


def apply_rules(
    kind_name: str, doc: Doc, rules: list[MappingRule], from_site: str, to_site: str
) -> None:
    """Rewrite, in place, each string value that a rule maps from one site to the other."""
    for path, container, key in list(leaves(doc)):
        value = container[key]
        if not isinstance(value, str):
            continue
        for rule in rules:
            if rule.kinds and kind_name not in rule.kinds:
                continue
            if rule.field and not field_matches(path, rule.field):
                continue
            old, new = rule.values.get(from_site), rule.values.get(to_site)
            if old is None or new is None:
                continue
            mapped = _mapped(value, old, new, prefix=rule.match == "prefix")
            if mapped is not None:
                container[key] = mapped
                break


def _mapped(value: str, old: str, new: str, *, prefix: bool) -> str | None:
    """`value` with `old` replaced by `new`, or None when the rule does not apply. A URL
    prefix matches at a path boundary whatever its trailing slash, so that a rule maps
    back exactly what it mapped forth (`diff B A` sees what `diff A B` sees)."""
    if value == old:
        return new
    if not prefix:
        return None
    if "://" in old:
        old, new = old.rstrip("/"), new.rstrip("/")
        if value == old or value.startswith(old + "/"):
            return new + value[len(old) :]
        return None
    return new + value[len(old) :] if value.startswith(old) else None


def _map_locations(
    kind_name: str, doc: Doc, config: Config, from_site: str, to_site: str
) -> list[str]:
    problems = []
    for path in kind(kind_name).locations:
        field_name = path.rsplit(".", 1)[-1]
        for holder in holders(doc, path):
            try:
                holder[field_name] = config.map_location(holder[field_name], from_site, to_site)
            except BadInput as e:
                problems.append(f"{path}: {e.message}")
    return problems
