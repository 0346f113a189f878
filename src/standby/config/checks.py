"""Checks between the fields of standby.yml: roles, storage roots across sites, tiers and
references. They run on the raw data, defensively, so that they are reported together
with the field errors rather than only once those are fixed.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from standby.errors import ConfigInvalid
from standby.storage.url import normalize

__all__ = ["ConfigProblems", "Loc", "Problem", "cross_check", "problems_error"]

Loc = tuple[str | int, ...]
Sites = dict[Any, dict[Any, Any]]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the config: where (a field path, a line) and what."""

    loc: Loc
    message: str
    line: int | None = None

    @property
    def path(self) -> str:
        """The field path: `sites.dr.storage.lake`, `backups.policies[0].retention`."""
        text = ""
        for part in self.loc:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text or "(top level)"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" + (f" (line {self.line})" if self.line else "")


class ConfigProblems(ConfigInvalid):
    """ConfigInvalid with the list of problems, for callers that want them one by one."""

    def __init__(self, message: str, *, problems: list[Problem], hint: str, path: str | None):
        super().__init__(message, hint=hint, path=path)
        self.problems = problems


def problems_error(problems: list[Problem], *, source: str) -> ConfigProblems:
    count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
    lines = "\n".join(f"  {p}" for p in problems)
    return ConfigProblems(
        f"{source} is not valid ({count}):\n{lines}",
        problems=problems,
        hint="Fix each field named above, then run `standby config check` again.",
        path=source,
    )


def cross_check(data: Any, *, base_dir: Path | None = None) -> list[Problem]:
    """Problems between fields of `data` (tiers already merged with the defaults).

    Relative local paths are resolved against `base_dir` (the config file's directory).
    """
    data = _d(data)
    sites = {n: _d(s) for n, s in _d(data.get("sites")).items()}
    return [
        *_check_sites(sites, base_dir),
        *_check_protected(data, sites, base_dir),
        *_check_backups(data, sites),
        *_check_sync(data, sites),
    ]


def _d(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _norm(uri: Any, base_dir: Path | None) -> str | None:
    if not isinstance(uri, str) or not uri.strip():
        return None
    text = uri.strip()
    if "://" not in text and base_dir is not None:
        text = str(base_dir / Path(text).expanduser())
    try:
        return normalize(text)
    except Exception:
        return None


def _under(url: str, root: str) -> bool:
    return url == root or url.startswith(root + "/")


def _pair(sites: Sites) -> tuple[Any, Any] | None:
    """(primary, dr) site names when there is exactly one of each."""
    primary = [n for n, s in sites.items() if s.get("role") == "primary"]
    dr = [n for n, s in sites.items() if s.get("role") == "dr"]
    return (primary[0], dr[0]) if len(primary) == 1 and len(dr) == 1 else None


def _check_sites(sites: Sites, base_dir: Path | None) -> list[Problem]:
    out = []
    if sites and all(s.get("role") in ("primary", "dr") for s in sites.values()):
        for role in ("primary", "dr"):
            named = [str(n) for n, s in sites.items() if s.get("role") == role]
            if len(named) != 1:
                found = f"found {len(named)}: {', '.join(named)}" if named else "found none"
                out.append(Problem(("sites",), f"exactly one site needs role: {role} ({found})"))
    pair = _pair(sites)
    if pair is None:
        return out
    p, d = pair
    p_roots, d_roots = sites[p].get("storage"), sites[d].get("storage")
    if not isinstance(p_roots, dict) or not isinstance(d_roots, dict):
        return out
    for name, uri in p_roots.items():
        loc = ("sites", d, "storage", name)
        a, b = _norm(uri, base_dir), _norm(d_roots.get(name), base_dir)
        if name not in d_roots:
            why = f"site '{p}' has a storage root '{name}'; site '{d}' needs one of the same name"
            out.append(Problem(loc, f"field required ({why}, so table locations map across)"))
        elif a and b and (_under(a, b) or _under(b, a)):
            why = f"{b} is the same location as, or overlaps, sites.{p}.storage.{name} ({a})"
            out.append(Problem(loc, f"{why}; the DR copy needs a location of its own"))
    p_dns, d_dns = _d(sites[p].get("dns")), _d(sites[d].get("dns"))
    if p_dns.get("record") and d_dns.get("record") and p_dns["record"] != d_dns["record"]:
        why = f"must be the record of sites.{p}.dns.record ('{p_dns['record']}')"
        out.append(Problem(("sites", d, "dns", "record"), f"{why}: failover repoints one name"))
    return out


def _check_protected(data: dict[Any, Any], sites: Sites, base_dir: Path | None) -> list[Problem]:
    out = []
    tiers = [str(t) for t in _d(data.get("tiers"))]
    pair = _pair(sites)
    roots = _d(sites[pair[0]].get("storage")) if pair else {}
    normed = {str(n): u for n, u in ((n, _norm(u, base_dir)) for n, u in roots.items()) if u}
    seen: dict[str, int] = {}
    for i, entry in enumerate(_l(_d(data.get("protected")).get("tables"))):
        entry, loc = _d(entry), ("protected", "tables", i)
        tier = entry.get("tier")
        if isinstance(tier, str) and tier not in tiers:
            out.append(
                Problem((*loc, "tier"), f"unknown tier '{tier}' (tiers: {', '.join(tiers)})")
            )
        name = entry.get("table")
        location = _norm(entry.get("location"), base_dir)
        keys = {"table": name.lower() if isinstance(name, str) else None, "location": location}
        for field, key in keys.items():
            if key is not None and seen.setdefault(key, i) != i:
                out.append(
                    Problem((*loc, field), f"already listed at protected.tables[{seen[key]}]")
                )
        if location and normed and not any(_under(location, r) for r in normed.values()):
            listed = ", ".join(f"{n}: {u}" for n, u in normed.items())
            why = f"{location} is under none of the primary site's storage roots ({listed})"
            out.append(Problem((*loc, "location"), f"{why}; add a root for it to both sites"))
    return out


def _covered(name: str, data: dict[Any, Any]) -> bool:
    """Whether a protected-set entry (a name or a glob) covers the table `name`."""
    for entry in _l(_d(data.get("protected")).get("tables")):
        pattern = _d(entry).get("table")
        if isinstance(pattern, str) and fnmatch.fnmatchcase(name.lower(), pattern.lower()):
            return True
    return False


def _check_backups(data: dict[Any, Any], sites: Sites) -> list[Problem]:
    out = []
    pair = _pair(sites)
    seen: dict[Any, int] = {}
    for i, policy in enumerate(_l(_d(data.get("backups")).get("policies"))):
        policy, loc = _d(policy), ("backups", "policies", i)
        name = policy.get("name")
        if isinstance(name, str) and seen.setdefault(name, i) != i:
            out.append(Problem((*loc, "name"), f"backups.policies[{seen[name]}] has this name too"))
        site = policy.get("site")
        if site is not None and site not in sites:
            known = ", ".join(map(str, sites))
            out.append(Problem((*loc, "site"), f"unknown site '{site}' (sites: {known})"))
        site = site if site in sites else (pair[1] if pair else None)
        roots = _d(sites[site].get("storage")) if site is not None else {}
        root = policy.get("root")
        by_name = isinstance(root, str) and not any(c in root for c in "/\\~")
        if by_name and roots and root not in roots:
            why = f"no storage root '{root}' on site '{site}' (roots: {', '.join(map(str, roots))})"
            out.append(Problem((*loc, "root"), f"{why}; name one of them, or give a URI"))
        for j, table in enumerate(_l(policy.get("tables"))):
            plain = isinstance(table, str) and not any(c in table for c in "/\\~*?[")
            if plain and table.count(".") == 2 and not _covered(table, data):
                why = f"'{table}' is not in the protected set; add it to protected.tables"
                out.append(Problem((*loc, "tables", j), f"{why} or give its storage location"))
    return out


def _check_sync(data: dict[Any, Any], sites: Sites) -> list[Problem]:
    out = []
    names = [str(n) for n in sites]
    for i, rule in enumerate(_l(_d(data.get("workspace_sync")).get("mappings"))):
        values = _d(rule).get("values")
        if not isinstance(values, dict) or not sites:
            continue
        loc = ("workspace_sync", "mappings", i, "values")
        for site in names:
            if site not in values:
                out.append(
                    Problem((*loc, site), "field required (a rule gives every site's value)")
                )
        for site in values:
            if site not in sites:
                why = f"unknown site '{site}' (sites: {', '.join(names)})"
                out.append(Problem((*loc, site), why))
    return out
