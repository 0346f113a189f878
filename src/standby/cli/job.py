"""`standby job emit KIND`: standby as a Databricks job (Jobs API 2.2 JSON or a bundle
resource), printed, or created / updated by name in a site's workspace with --apply."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from standby.cli.output import emit
from standby.errors import BadInput

app = typer.Typer(help="standby as a Databricks job.", no_args_is_help=True)


EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="threads or spark (default: standby.yml's).")
]
ConfigPathOpt = Annotated[
    str | None,
    typer.Option(
        "--config-path",
        help="standby.yml in the workspace (/Workspace/... or /Volumes/...); default "
        "/Workspace/Shared/standby/standby.yml.",
    ),
]
WheelOpt = Annotated[
    str | None, typer.Option("--wheel", help="standby's wheel (a volume path), not PyPI.")
]
WorkersOpt = Annotated[int, typer.Option("--workers", help="Spark executors.", min=1)]
NodeTypeOpt = Annotated[str | None, typer.Option("--node-type", help="Node type id.")]
SparkVersionOpt = Annotated[
    str | None, typer.Option("--spark-version", help="Databricks runtime (default: an LTS).")
]
SecretScopeOpt = Annotated[
    str, typer.Option("--secret-scope", help="Scope holding the secrets standby.yml names.")
]
PolicyOpt = Annotated[str | None, typer.Option("--policy", help="Backup policy.")]
LevelOpt = Annotated[str, typer.Option("--level", help="Drill level.")]
NameOpt = Annotated[str | None, typer.Option("--name", help="Job name.")]
FormatOpt = Annotated[str, typer.Option("--format", help="json (Jobs API) or bundle.")]
ApplyOpt = Annotated[
    bool, typer.Option("--apply", help="Create or update the job by name in the workspace.")
]
SiteOpt = Annotated[
    str | None, typer.Option("--site", help="Workspace to apply to (default: the DR site).")
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="With --apply: change nothing.")]


@app.command("emit")
def emit_cmd(
    kind: Annotated[str, typer.Argument(help="replicate, backup or drill.")],
    engine: EngineOpt = None,
    config_path: ConfigPathOpt = None,
    wheel: WheelOpt = None,
    workers: WorkersOpt = 2,
    node_type: NodeTypeOpt = None,
    spark_version: SparkVersionOpt = None,
    secret_scope: SecretScopeOpt = "standby",
    policy: PolicyOpt = None,
    level: LevelOpt = "basic",
    name: NameOpt = None,
    fmt: FormatOpt = "json",
    apply: ApplyOpt = False,
    site: SiteOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Print a Databricks job that runs standby from its wheel on a job cluster."""
    from standby.cli.context import current_config  # pydantic: not for `job --help`
    from standby.jobs import JobOptions, apply_job, job_settings

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
        _print(settings, fmt)
        return
    from standby.workspace.wrappers import open_workspace

    workspace = open_workspace(config, site or config.dr)
    applied = apply_job(workspace, settings, dry_run=dry_run)
    emit(applied, lambda c: _render(c, applied.action, applied.name, applied.job_id))


def _print(settings: dict[str, Any], fmt: str) -> None:
    """The job as Jobs API JSON, or as a bundle resource in YAML."""
    import yaml

    from standby.jobs import bundle_resource

    if fmt == "bundle":
        text = yaml.safe_dump(bundle_resource(settings), sort_keys=False)
    else:
        text = json.dumps(settings, indent=2)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _render(c: Console, action: str, name: str, job_id: str) -> None:
    c.print(f"{action} job {name!r}" + (f" (job_id {job_id})" if job_id else ""))
