"""Rendering a drill report (and, with `runbook.render_runbook`, the runbook): JSON (the
document as it is), Markdown, and one self-contained HTML file (inline CSS and SVG; no
script, no font, no image, nothing fetched), through Jinja2 templates shipped in
`standby/drill/templates/`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from standby.config import format_duration
from standby.drill import charts
from standby.errors import BadInput

Format = Literal["json", "md", "html"]
FORMATS: dict[str, Format] = {
    ".json": "json",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}


def utc(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def secs(value: float | None) -> str:
    """Measured seconds as a person reads them; '-' when not measured."""
    if value is None:
        return "-"
    if value < 120:
        return f"{value:.2f} s"
    return f"{format_duration(round(value))} ({value:.0f} s)"


def dur(value: float | None) -> str:
    return "-" if value is None else format_duration(value)


def cell(value: Any) -> str:
    """Text fit for a Markdown table cell (one line, pipes escaped)."""
    return " ".join(str(value).split()).replace("|", "\\|")


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("standby.drill", "templates"),
        autoescape=select_autoescape(["html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(utc=utc, secs=secs, dur=dur, cell=cell)
    env.globals.update(
        width=charts.WIDTH, label_width=charts.LABEL, trend_height=charts.TREND_HEIGHT
    )
    return env


def format_of(path: Path, default: Format = "html") -> Format:
    """The format a file's suffix asks for."""
    if not path.suffix:
        return default
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise BadInput(
            f"{path}: write reports as .html, .md or .json, not {path.suffix}.",
            hint="Name the file with one of those suffixes.",
        )
    return found


def render_report(report: dict[str, Any], fmt: Format) -> str:
    """A drill report (with its trend) as JSON, Markdown or self-contained HTML."""
    if fmt == "json":
        return json.dumps(report, indent=2) + "\n"
    env = environment()
    if fmt == "md":
        return env.get_template("report.md.j2").render(r=report)
    return env.get_template("report.html.j2").render(
        r=report,
        timeline=charts.timeline(report),
        rpo=charts.rpo_chart(report),
        series=charts.trend_series(report),
    )
