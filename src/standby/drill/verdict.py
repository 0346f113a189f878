"""A drill check as a step of the operation: it measures, never raises for what it finds,
and journals its verdict (ok or not, one line why, what it measured, and the command that
shows more), so that one failing check does not hide the others and the clean-up still
runs. The runner measures its seconds; the report reads the verdicts from the journal.
"""

from __future__ import annotations

import logging
import shlex
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

from standby.config import Config
from standby.drill.context import DrillContext
from standby.errors import StandbyError
from standby.operations.journal import Journal
from standby.operations.runner import StepResult

log = logging.getLogger(__name__)


@dataclass
class Verdict:
    """What one check found."""

    ok: bool
    detail: str  # one line: what was found (each problem named)
    command: str  # a command that shows more
    measured: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False  # nothing to check (e.g. no backup policy): ok, and said so


def standby_command(config: Config, *args: str) -> str:
    """The command line of `standby ARGS` for this configuration."""
    where = ["--config", str(config.path)] if config.path is not None else []
    return shlex.join(["standby", *where, *args])


class CheckStep(ABC):
    """One check of a drill: `measure` says what it found; run journals it."""

    name: str
    title: str  # what is checked, in a few words, as reports show it
    cleanup = False
    readonly = False  # changes nothing in production, but journaled: every drill is

    @abstractmethod
    def plan(self, ctx: DrillContext) -> list[str]: ...

    @abstractmethod
    def measure(self, ctx: DrillContext) -> Verdict: ...

    def command(self, ctx: DrillContext) -> str:
        """The command that shows more when the check could not even run."""
        return standby_command(ctx.config, "operations", "show", ctx.drill_id)

    def run(self, ctx: DrillContext) -> StepResult:
        try:
            verdict = self.measure(ctx)
        except StandbyError as e:
            verdict = Verdict(False, e.message, self.command(ctx))
        except Exception as e:  # a drill always ends with its verdicts and its clean-up
            log.warning("drill check %s failed to run", self.name, exc_info=True)
            verdict = Verdict(False, f"{type(e).__name__}: {e}", self.command(ctx))
        mark = "ok" if verdict.ok else "FAIL"
        return StepResult(
            f"{mark}: {verdict.detail}", {"verdict": asdict(verdict), "title": self.title}
        )

    def check(self, ctx: DrillContext) -> None:
        return None


def verdict_of(journal: Journal, step: str) -> Verdict | None:
    """The verdict a check step journaled (None before it ran, or for other steps)."""
    try:
        found = journal.changed(step).get("verdict")
    except KeyError:
        return None
    return Verdict(**found) if isinstance(found, dict) else None


def earlier_failures(ctx: DrillContext, before: str) -> list[str]:
    """Names of the checks journaled before step `before` that failed."""
    if ctx.journal is None:
        return []
    failed = []
    for record in ctx.journal.steps:
        if record.name == before:
            break
        verdict = verdict_of(ctx.journal, record.name)
        if verdict is not None and not verdict.ok:
            failed.append(record.name)
    return failed
