"""The report of a failover, rendered from its journal and nothing else (invariant 17):
RTO from the journal's start to the end of validation, each step's measured seconds, and
per table the RPO from the logs' commit timestamps, with its proof (planned: the replica's
version equals the source's at the fence) or the versions it lost (forced).
"""

from __future__ import annotations

from typing import Any

from standby.delta.timestamps import format_ms
from standby.failover.context import FailoverContext
from standby.operations.journal import Journal
from standby.operations.runner import StepResult

WAITING_STEPS = ("drain-runs", "validate")  # steps whose time is mostly the workspace's runs


def _seconds(a: int | None, b: int | None) -> float | None:
    return None if a is None or b is None else round((b - a) / 1000, 3)


def planned_table(name: str, final: dict[str, Any], late: list[dict[str, Any]]) -> dict[str, Any]:
    """RPO 0 when the replica reached the source's last version at the fence and nothing
    was written after; late writes are what was lost, measured from their timestamps."""
    versions = [w["version"] for w in late if "version" in w]
    stamps = [w["timestamp_ms"] for w in late if w.get("timestamp_ms") is not None]
    caught_up = final["final_version"] == final["source_version"]
    rpo = 0.0 if caught_up and not versions else None
    if stamps and final.get("final_commit_ms") is not None:
        rpo = round((max(stamps) - final["final_commit_ms"]) / 1000, 3)
    return {
        "name": name,
        "final_version": final["final_version"],
        "source_version_at_fence": final["source_version"],
        "rpo_seconds": rpo,
        "lost_versions": versions,
        "proof": (
            f"replica v{final['final_version']} == source v{final['source_version']} at the fence"
            if caught_up
            else "the replica did not reach the source's version"
        ),
    }


def forced_table(name: str, final: dict[str, Any], started_ms: int) -> dict[str, Any]:
    """What a forced failover lost: the versions the follow loop saw but did not copy
    (from their commit times), and an upper bound for what it could not see."""
    version, committed = final["final_version"], final.get("final_commit_ms")
    seen, seen_commit, seen_at = (
        final.get("seen_version"),
        final.get("seen_commit_ms"),
        final.get("seen_at_ms"),
    )
    lost = list(range(version + 1, seen + 1)) if seen is not None and seen > version else []
    rpo = _seconds(committed, seen_commit) if lost else 0.0
    when = seen_at or committed
    after = format_ms(when) if when is not None else "the last poll"
    note = (
        f"lost versions {lost[0]}..{lost[-1]} (seen at {after}) and anything written after"
        if lost
        else f"nothing seen beyond v{version}; anything written after {after} is lost"
    )
    return {
        "name": name,
        "final_version": version,
        "final_commit_ms": committed,
        "rpo_seconds": rpo,
        "rpo_bound_seconds": _seconds(committed, started_ms),
        "lost_versions": lost,
        "seen_version": seen,
        "seen_at_ms": seen_at,
        "quarantined": final.get("quarantined", []),
        "note": note,
    }


def build_report(journal: Journal, ctx: FailoverContext) -> dict[str, Any]:
    validated = journal.step("validate").ended_ms if _has(journal, "validate") else None
    mode = journal.args.get("mode", "planned")
    finals: dict[str, Any] = ctx.fact(
        "catch-up" if mode == "planned" else "safe-points", "tables", {}
    )
    late: dict[str, Any] = ctx.fact("late-writes", "late", {})
    tables = [
        planned_table(n, f, late.get(n, []))
        if mode == "planned"
        else forced_table(n, f, journal.created_ms)
        for n, f in finals.items()
    ]
    steps = [
        {
            "name": s.name,
            "started": s.started_ms,
            "ended": s.ended_ms,
            "seconds": s.seconds,
            "outcome": s.outcome,
        }
        for s in journal.steps
    ]
    waiting = sum(
        journal.changed(n).get("waited_seconds") or 0 for n in WAITING_STEPS if _has(journal, n)
    )
    return {
        "operation_id": journal.operation_id,
        "kind": journal.kind,
        "mode": mode,
        "source": journal.args.get("source"),
        "target": journal.args.get("target"),
        "rto_seconds": _seconds(journal.created_ms, validated),
        "waiting_on_workspace_seconds": round(waiting, 3),
        "steps": steps,
        "tables": tables,
        "orphaned": _orphaned(journal),
        "unresolved": ctx.unresolved,
    }


def _orphaned(journal: Journal) -> dict[str, Any]:
    """Per table, the fork and the commits a reprotect moved aside (the data a forced
    failover lost), with what was replicated back."""
    if not _has(journal, "rewind"):
        return {}
    rewound: dict[str, Any] = journal.changed("rewind").get("tables", {})
    back: dict[str, Any] = journal.changed("reverse-replicate").get("tables", {})
    return {
        name: {
            "fork": t.get("fork"),
            "reseeded": t.get("reseed", False),
            "orphaned_versions": [c["version"] for c in t.get("orphaned", [])],
            "orphaned_rows": sum(c["rows"] or 0 for c in t.get("orphaned", [])),
            "replicated_back": back.get(name, {}).get("commits"),
        }
        for name, t in rewound.items()
    }


def _has(journal: Journal, name: str) -> bool:
    return any(s.name == name for s in journal.steps)


class Report:
    """Write the report into the journal; it is what the CLI and the drills render."""

    name = "report"
    cleanup = False
    readonly = False

    def plan(self, ctx: FailoverContext) -> list[str]:
        return ["report RTO (start to validated), per-step seconds, RPO per table"]

    def run(self, ctx: FailoverContext) -> StepResult:
        assert ctx.journal is not None
        ctx.journal.report = build_report(ctx.journal, ctx)
        rto = ctx.journal.report["rto_seconds"]
        return StepResult(f"RTO {rto} s" if rto is not None else "reported")

    def check(self, ctx: FailoverContext) -> None:
        return None
