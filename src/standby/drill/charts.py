"""The geometry of a drill report's three charts, from the report alone; the HTML template
draws them as inline SVG (no script, no fetch): a timeline with one bar per journaled
step, the RPO of each table against its target, and the trend of the measured RTO and RPO
over the drills of the level, one point per drill."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDTH = 760
LABEL = 190  # the left column of names
ROW = 22
OVER = 1.5  # the RPO chart's scale ends at 150 % of a target


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    label: str  # drawn in the left column
    value: str  # drawn after the bar
    kind: str  # css class: ok, fail, cleanup, skipped
    title: str  # the tooltip


@dataclass
class Chart:
    height: float
    bars: list[Bar] = field(default_factory=list)
    marker: float | None = None  # x of the RPO target line
    ticks: list[tuple[float, str]] = field(default_factory=list)


def _kind(step: dict[str, Any], verdicts: dict[str, dict[str, Any]]) -> str:
    if step["status"] != "done":
        return "fail"
    if step["name"] in verdicts:
        check = verdicts[step["name"]]
        return "skipped" if check["skipped"] else "ok" if check["ok"] else "fail"
    return "cleanup" if step["cleanup"] else "ok"


def timeline(report: dict[str, Any]) -> Chart:
    """One bar per step, placed at its journaled start and as long as it ran."""
    steps = [s for s in report["steps"] if s.get("started_ms") is not None]
    start = report["started_ms"]
    end = max([report.get("ended_ms") or start, *(s.get("ended_ms") or start for s in steps)])
    span = max(end - start, 1)
    plot = WIDTH - LABEL - 70
    verdicts = {c["name"]: c for c in report["checks"]}
    chart = Chart(height=ROW * len(steps) + 30)
    for i, step in enumerate(steps):
        ended = step.get("ended_ms") or end
        x = LABEL + (step["started_ms"] - start) / span * plot
        width = max(2.0, (ended - step["started_ms"]) / span * plot)
        seconds = (ended - step["started_ms"]) / 1000
        outcome = step.get("outcome") or step["status"]
        chart.bars.append(
            Bar(
                x,
                10 + i * ROW,
                width,
                step["name"],
                f"{seconds:.2f} s",
                _kind(step, verdicts),
                f"{step['name']}: {seconds:.3f} s, {outcome}",
            )
        )
    chart.ticks = [(LABEL + f * plot, f"{span * f / 1000:.1f} s") for f in (0, 0.25, 0.5, 0.75, 1)]
    return chart


def rpo_chart(report: dict[str, Any]) -> Chart:
    """One bar per table: its measured RPO as a share of its tier's target (the line)."""
    plot = WIDTH - LABEL - 150
    chart = Chart(height=ROW * len(report["tables"]) + 30, marker=LABEL + plot / OVER)
    for i, table in enumerate(report["tables"]):
        rpo, target = table.get("rpo_seconds"), table.get("rpo_target_seconds")
        share = (rpo / target) if rpo is not None and target else 0.0
        width = max(2.0, min(share, OVER) / OVER * plot)
        kind = "ok" if table.get("rpo_ok") else "fail"
        value = f"{rpo:.1f} s of {target:.0f} s" if rpo is not None and target else "not measured"
        chart.bars.append(
            Bar(
                LABEL,
                10 + i * ROW,
                width,
                table["name"],
                value,
                kind,
                f"{table['name']} ({table.get('tier')}): RPO {value}",
            )
        )
    chart.ticks = [(LABEL + f * plot / OVER, f"{int(f * 100)} %") for f in (0, 0.5, 1, OVER)]
    return chart


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    title: str
    ok: bool


@dataclass
class Series:
    name: str  # rto | rpo
    points: list[Point]
    top: float  # the value at the top of the plot

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


TREND_HEIGHT = 150


def trend_series(report: dict[str, Any]) -> list[Series]:
    """RTO and RPO of every drill of the level, oldest first, one point per measured
    drill; a series with no measure has no point."""
    drills = report["trend"]["drills"]
    out = []
    step = (WIDTH - 80) / max(len(drills) - 1, 1)
    for name in ("rto", "rpo"):
        values = [d.get(f"{name}_seconds") for d in drills]
        top = max([v for v in values if v is not None] or [0.0]) or 1.0
        points = [
            Point(
                50 + i * step,
                20 + (1 - v / (top * 1.1)) * (TREND_HEIGHT - 40),
                f"{v:.2f} s",
                f"{d['drill_id']}: {name.upper()} {v:.3f} s",
                bool(d.get("ok")),
            )
            for i, (d, v) in enumerate(zip(drills, values, strict=True))
            if v is not None
        ]
        out.append(Series(name, points, top))
    return out
