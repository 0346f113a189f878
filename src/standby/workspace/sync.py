"""Sync: make a target workspace's configuration match a source snapshot.

What it guarantees:
- Objects are matched by name and created or updated in dependency order (policies and
  pools before clusters, clusters and warehouses before jobs, catalogs before schemas before
  tables), never created twice: a rerun after an interruption finds them by name.
- Every reference is rewritten to the target's id of the object with the same name; one
  that names nothing on the target fails its object, loudly, and nothing is guessed.
- Idempotent: an object equal after translation (`mapping`) is left alone.
- Jobs arrive with every trigger PAUSED and the primary's pause state in a tag.
- A job deployed by an Asset Bundle (on either side) belongs to its bundle: it, and its
  permissions, are left alone and listed in `left_alone`, unless `include_bundle_jobs`.
- Secret values come from the configured provider only; keys it cannot fill are listed.
- `prune` deletes target objects the source lacks, never when the source is incomplete.
- An unreachable target stops the run (Unreachable, naming what is not synced yet); any
  other failure fails one object, and `SyncResult.check` raises Partial at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from standby.config import Config
from standby.errors import Partial, Refused, StandbyError, Unreachable
from standby.workspace.client import Workspace, parallel, stops_the_run
from standby.workspace.diff import FieldChange, compare
from standby.workspace.export import WORKERS, Inventory, Progress, no_progress, take_inventory
from standby.workspace.kinds import Doc, Remote, kind, select
from standby.workspace.kinds.jobs import from_bundle, paused_for_standby
from standby.workspace.mapping import Translation, translate
from standby.workspace.normalize import holders, rewrite_refs, with_plain_locations
from standby.workspace.secrets import SecretSource
from standby.workspace.snapshot import Snapshot
from standby.workspace.wrappers import dry_run_of

DONE, PLANNED, FAILED, UNCHANGED = "done", "planned", "failed", "unchanged"


@dataclass
class Action:
    kind: str
    name: str
    op: str  # create | update | delete | unchanged
    fields: list[FieldChange] = field(default_factory=list)
    status: str = PLANNED
    error: str | None = None


@dataclass
class SyncResult:
    source: str
    target: str
    dry_run: bool
    kinds: list[str]
    actions: list[Action] = field(default_factory=list)
    secrets_set: list[str] = field(default_factory=list)
    secrets_deleted: list[str] = field(default_factory=list)
    secrets_unfilled: list[str] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)  # jobs owned by Asset Bundles

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.op != "unchanged"]

    @property
    def failed(self) -> list[Action]:
        return [a for a in self.actions if a.status == FAILED]

    def missing(self) -> list[str]:
        """The objects the target still lacks or holds out of date, as `kind/name`."""
        return [f"{a.kind}/{a.name}" for a in self.failed if a.op != "delete"]

    def check(self) -> None:
        """Raise Partial when an object failed or a secret could not be filled (on a dry
        run: would fail; nothing was changed)."""
        if not self.failed and not self.secrets_unfilled:
            return
        parts = [f"{a.kind}/{a.name}: {a.error}" for a in self.failed]
        parts += [f"secret {s}" for s in self.secrets_unfilled]
        listed = "\n".join(f"- {p}" for p in parts)
        counts = (
            f"{len(self.failed)} object(s) {'would fail' if self.dry_run else 'failed'} and "
            f"{len(self.secrets_unfilled)} secret(s) could not be filled"
        )
        if self.dry_run:
            raise Partial(
                f"Dry run: the sync would not finish: {counts}. Nothing was changed.\n{listed}",
                hint="Fix these, then run `standby config sync` without --dry-run.",
            )
        raise Partial(
            f"The sync did not finish: {counts}; the rest is synced.\n{listed}",
            hint="Fix these and rerun `standby config sync`: it picks up where it stopped.",
        )


@dataclass
class _Run:
    target: Workspace
    inv: Inventory
    translation: Translation
    result: SyncResult
    dry_run: bool
    pending: set[tuple[str, str]]
    owned: set[tuple[str, str]]  # (kind, name) that Asset Bundles own: left alone


def sync(
    source: Snapshot,
    target: Workspace,
    *,
    config: Config | None = None,
    target_site: str | None = None,
    kinds: Iterable[str] | None = None,
    prune: bool = False,
    secrets: SecretSource | None = None,
    refresh_secrets: bool = False,
    dry_run: bool = False,
    include_bundle_jobs: bool = False,
    workers: int = WORKERS,
    progress: Progress = no_progress,
) -> SyncResult:
    """Make `target` match `source` (see the module's guarantees). With `dry_run` nothing
    is written, whatever `target` is: its writes are recorded instead (`dry_run_of`)."""
    if dry_run:
        target = dry_run_of(target)
    chosen = [k for k in select(kinds) if k in source.objects]
    if prune and source.missing:
        raise Refused(
            f"The source snapshot is incomplete ({len(source.missing)} object(s) unread): "
            "pruning would delete what it failed to read.",
            hint="Export the source again, or sync without --prune.",
        )
    inv = take_inventory(target, chosen, site=target_site, workers=workers, progress=progress)
    translation = translate(
        source.objects, config=config, from_site=source.site, to_site=target_site
    )
    for name, doc in translation.objects.get("jobs", {}).items():
        translation.objects["jobs"][name] = paused_for_standby(doc)
    owned = set() if include_bundle_jobs else _bundle_owned(translation.objects, inv)
    for kind_name, name in owned:
        translation.objects.get(kind_name, {}).pop(name, None)
    result = SyncResult(
        source=source.site or "source", target=target.label, dry_run=dry_run, kinds=chosen
    )
    result.left_alone = sorted(f"{k}/{n}" for k, n in owned if k == "jobs")
    pending = {(k, n) for k in chosen for n in translation.objects[k]}
    run = _Run(target, inv, translation, result, dry_run, pending, owned)
    try:
        _write(run, chosen, workers=workers, progress=progress)
        if "secret_scopes" in chosen:
            _fill_secrets(run, secrets, refresh=refresh_secrets, prune=prune)
        if prune:
            _prune(run, chosen)
    except Unreachable as e:
        e.message += _not_done(run)
        raise
    order = {k: i for i, k in enumerate(chosen)}
    # In the order they were made: writes by kind, then deletes in reverse dependency order.
    result.actions.sort(
        key=lambda a: (a.op == "delete", order[a.kind] * (-1 if a.op == "delete" else 1), a.name)
    )
    return result


def _not_done(run: _Run) -> str:
    """What the target still lacks when the run stops, for the error's message."""
    left = sorted(f"{k}/{n}" for k, n in run.pending)
    shown = ", ".join(left[:50]) + (f" and {len(left) - 50} more" if len(left) > 50 else "")
    if run.dry_run:
        return f" Not planned yet (dry run; nothing was changed): {shown or 'nothing'}."
    return f" Not synced yet: {shown or 'nothing'}."


def _write(run: _Run, chosen: list[str], *, workers: int, progress: Progress) -> None:
    """Create or update every object of the chosen kinds, in dependency order."""
    for kind_name in chosen:
        docs = run.translation.objects[kind_name]
        done = 0
        for wave in _waves(kind_name, docs):
            parallel(partial(_apply, run, kind_name), wave, workers=workers)
            done += len(wave)
            progress(f"syncing {kind_name}", done, len(docs))


def _prune(run: _Run, chosen: list[str]) -> None:
    """Delete the target's objects the source lacks (not those bundles own), in reverse
    dependency order."""
    for kind_name in reversed(chosen):
        kept = set(run.translation.objects[kind_name])
        kept |= {n for k, n in run.owned if k == kind_name}
        for name in sorted(set(run.inv.snapshot.objects[kind_name]) - kept):
            _delete(run, kind_name, name)


def _bundle_owned(objects: dict[str, dict[str, Doc]], inv: Inventory) -> set[tuple[str, str]]:
    """The jobs an Asset Bundle deployed on either side, and their permissions, as
    (kind, name): their bundle owns them, on the target too."""
    held = {name: r.body for name, r in inv.remotes.get("jobs", {}).items()}  # as listed
    names = {
        name for docs in (objects.get("jobs", {}), held) for name, doc in docs.items()
        if from_bundle(doc)
    }  # fmt: skip
    return {("jobs", n) for n in names} | {("permissions", f"jobs/{n}") for n in names}


def _waves(kind_name: str, docs: dict[str, Doc]) -> list[list[str]]:
    """The names in groups that can be written in parallel: an object referencing another
    of its own kind (a job that runs a job) waits for that one's group."""
    self_refs = [r for r in kind(kind_name).refs if r.kind == kind_name]
    remaining = sorted(docs)
    if not self_refs:
        return [remaining]
    needs = {
        name: {
            str(h[r.path.rsplit(".", 1)[-1]])
            for r in self_refs
            for h in holders(docs[name], r.path)
        }
        & set(docs)
        for name in remaining
    }
    waves: list[list[str]] = []
    placed: set[str] = set()
    while remaining:
        ready = [n for n in remaining if needs[n] <= placed] or remaining  # a cycle: try all
        waves.append(ready)
        placed.update(ready)
        remaining = [n for n in remaining if n not in placed]
    return waves


def _apply(run: _Run, kind_name: str, name: str) -> None:
    spec = kind(kind_name)
    desired = run.translation.objects[kind_name][name]
    current = run.inv.remotes.get(kind_name, {}).get(name)
    action = Action(kind_name, name, "create" if current is None else "update")
    run.result.actions.append(action)
    if current is not None:
        held = run.inv.snapshot.objects[kind_name].get(name, {})
        action.fields = compare(
            with_plain_locations(spec, _settable(spec.filled_apart, held)),
            with_plain_locations(spec, _settable(spec.filled_apart, desired)),
        )
        if not action.fields:
            action.op = action.status = UNCHANGED
            run.pending.discard((kind_name, name))
            return
    body, unresolved = rewrite_refs(spec, desired, run.inv.id_of, to_ids=True)
    problems = [u.describe("the target workspace") for u in unresolved]
    problems += run.translation.problems.get((kind_name, name), [])
    if (kind_name, name) in run.inv.duplicates:
        problems.append(f"the target has more than one {kind_name} named {name!r}")
    if current is not None and not current.complete:
        problems.append("it could not be read on the target")
    if problems:
        action.status, action.error = FAILED, "; ".join(problems)
        return
    try:
        if current is None:
            new_id = run.target.create(kind_name, name, body)
            run.inv.add(kind_name, Remote(kind_name, new_id, name, body))
        else:
            run.target.update(kind_name, current, body)
    except StandbyError as e:
        action.status, action.error = FAILED, e.message
        if stops_the_run(e):
            raise
        return
    action.status = PLANNED if run.dry_run else DONE
    run.pending.discard((kind_name, name))


def _settable(apart: tuple[str, ...], doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k not in apart}


def _delete(run: _Run, kind_name: str, name: str) -> None:
    action = Action(kind_name, name, "delete")
    run.result.actions.append(action)
    if (kind_name, name) in run.inv.duplicates:
        action.status, action.error = FAILED, "more than one object has this name"
        return
    try:
        run.target.delete(kind_name, run.inv.remotes[kind_name][name])
    except StandbyError as e:
        action.status, action.error = FAILED, e.message
        if stops_the_run(e):
            raise
        return
    action.status = PLANNED if run.dry_run else DONE


def _fill_secrets(run: _Run, source: SecretSource | None, *, refresh: bool, prune: bool) -> None:
    """Set each secret key the target scope lacks (every key with `refresh`) from the
    provider; with `prune`, delete keys the source scope does not have."""
    failed = {a.name for a in run.result.failed if a.kind == "secret_scopes"}
    held_docs = run.inv.snapshot.objects.get("secret_scopes", {})
    for scope, doc in sorted(run.translation.objects["secret_scopes"].items()):
        if scope in failed:
            continue
        held = set(held_docs.get(scope, {}).get("keys", []))
        wanted = list(doc.get("keys", []))
        for key in wanted:
            if key in held and not refresh:
                continue
            value = source.value(scope, key) if source is not None else None
            if value is None:
                where = source.where(scope, key) if source is not None else "no secret provider"
                run.result.secrets_unfilled.append(f"{scope}/{key} (not found: {where})")
                continue
            try:
                run.target.put_secret(scope, key, value)
            except StandbyError as e:
                if stops_the_run(e):
                    raise
                run.result.secrets_unfilled.append(f"{scope}/{key} ({e.message})")
                continue
            run.result.secrets_set.append(f"{scope}/{key}")
        for key in sorted(held - set(wanted)) if prune else []:
            run.target.delete_secret(scope, key)
            run.result.secrets_deleted.append(f"{scope}/{key}")
