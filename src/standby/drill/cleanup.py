"""A drill's clean-up: its catalog dropped from the DR workspace and its area removed from
DR storage. Recorded as pending from the start and run even after a failure (the runner's
clean-up steps), each idempotent, so a killed drill's rerun always finishes them.
Unlike checks, they raise when they cannot finish: the drill then stays unfinished and
its rerun tries again."""

from __future__ import annotations

from standby.drill.context import DrillContext
from standby.errors import ProblemFound
from standby.operations.runner import StepResult


class DropCatalog:
    name = "drop-drill-catalog"
    title = "Drill catalog dropped"
    cleanup = True
    readonly = False

    def plan(self, ctx: DrillContext) -> list[str]:
        return [
            f"drop catalog {ctx.catalog} (and the drill's tables in it) in {ctx.options.target}"
        ]

    def run(self, ctx: DrillContext) -> StepResult:
        dropped = ctx.workspace.drop_catalog(ctx.catalog)
        outcome = f"dropped {ctx.catalog}" if dropped else f"no catalog {ctx.catalog} to drop"
        return StepResult(outcome, {"catalog": ctx.catalog, "dropped": dropped})

    def check(self, ctx: DrillContext) -> None:
        if ctx.workspace.catalog_exists(ctx.catalog):
            raise ProblemFound(f"Catalog {ctx.catalog} is still in {ctx.options.target}.")


class RemoveArea:
    name = "remove-drill-area"
    title = "Drill area removed"
    cleanup = True
    readonly = False

    def plan(self, ctx: DrillContext) -> list[str]:
        return [f"remove {ctx.area_uri()} (restore scratch, clones)"]

    def run(self, ctx: DrillContext) -> StepResult:
        removed = ctx.target.home.delete_prefix(ctx.area)
        return StepResult(
            f"removed {removed.files} object(s) under {ctx.area}",
            {"objects": removed.files, "bytes": removed.bytes},
        )

    def check(self, ctx: DrillContext) -> None:
        left = [o.path for o in ctx.target.home.list(ctx.area)]
        if left:
            raise ProblemFound(f"{len(left)} object(s) are left under {ctx.area_uri()}.")
