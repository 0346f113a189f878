"""`standby job emit KIND`: standby as a Databricks job (Jobs API 2.2 JSON or a bundle
resource), printed, or created / updated by name in a site's workspace with --apply."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from standby.cli.output import emit
from standby.errors import BadInput

app = typer.Typer(help="standby as a Databricks job.", no_args_is_help=True)


@app.command("emit")
def emit_cmd(
    kind: Annotated[str, typer.Argument(help="replicate, backup or drill.")],
    engine: Annotated[
        str | None, typer.Option("--engine", help="threads or spark (default: standby.yml's).")
    ] = None,
    config_path: Annotated[
        str | None,
        typer.Option(
            "--config-path",
            help="standby.yml in the workspace (/Workspace/... or /Volumes/...); default "
            "/Workspace/Shared/standby/standby.yml.",
        ),
    ] = None,
    wheel: Annotated[
        str | None, typer.Option("--wheel", help="standby's wheel (a volume path), not PyPI.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="Spark executors.", min=1)] = 2,
    node_type: Annotated[str | None, typer.Option("--node-type", help="Node type id.")] = None,
    spark_version: Annotated[
        str | None, typer.Option("--spark-version", help="Databricks runtime (default: an LTS).")
    ] = None,
    secret_scope: Annotated[
        str, typer.Option("--secret-scope", help="Scope holding the secrets standby.yml names.")
    ] = "standby",
    policy: Annotated[str | None, typer.Option("--policy", help="Backup policy.")] = None,
    level: Annotated[str, typer.Option("--level", help="Drill level.")] = "basic",
    name: Annotated[str | None, typer.Option("--name", help="Job name.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json (Jobs API) or bundle.")] = "json",
    apply: Annotated[
        bool, typer.Option("--apply", help="Create or update the job by name in the workspace.")
    ] = False,
    site: Annotated[
        str | None, typer.Option("--site", help="Workspace to apply to (default: the DR site).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --apply: change nothing.")
    ] = False,
) -> None:
    """Print a Databricks job that runs standby from its wheel on a job cluster."""
    from standby.cli.context import current_config  # pydantic: not for `job --help`
    from standby.jobs import JobOptions, apply_job, bundle_resource, job_settings

    if fmt not in ("json", "bundle"):
        raise BadInput(f"--format must be json or bundle, not {fmt!r}.")
    if engine not in (None, "threads", "spark"):
        raise BadInput(f"--engine must be threads or spark, not {engine!r}.")
    config = current_config()
    defaulted = {"config_path": config_path, "spark_version": spark_version}
    options = JobOptions(
        engine=engine or config.engine.kind,  # type: ignore[arg-type]
        wheel=wheel,
        workers=workers,
        node_type=node_type,
        secret_scope=secret_scope,
        policy=policy,
        drill_level=level,
        name=name,
        **{k: v for k, v in defaulted.items() if v is not None},
    )
    settings = job_settings(config, kind, options)
    if not apply:
        import yaml

        doc = bundle_resource(settings) if fmt == "bundle" else settings
        text = (
            yaml.safe_dump(doc, sort_keys=False) if fmt == "bundle" else json.dumps(doc, indent=2)
        )
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from standby.workspace.wrappers import open_workspace

    workspace = open_workspace(config, site or config.dr)
    applied = apply_job(workspace, settings, dry_run=dry_run)
    emit(applied, lambda c: _render(c, applied.action, applied.name, applied.job_id))


def _render(c: Console, action: str, name: str, job_id: str) -> None:
    c.print(f"{action} job {name!r}" + (f" (job_id {job_id})" if job_id else ""))
