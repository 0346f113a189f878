"""Acceptance 3 of the drills issue: the HTML report is one self-contained file that
Debian's headless chromium loads with no console error and no network request, and whose
rendered DOM holds the charts: one bar per step, one per table, one point per drill."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.drill.chromium import Page
from tests.drill.conftest import DrillLake
from tests.failover.lakehouse import TABLES

READ_DOM = """(() => {
  const all = s => [...document.querySelectorAll(s)];
  return {
    steps: all('#timeline-chart rect.mark.step').map(e => e.dataset.name),
    step_widths: all('#timeline-chart rect.mark.step').map(e => e.getBoundingClientRect().width),
    tables: all('#rpo-chart rect.mark.table').map(e => e.dataset.name),
    rto_points: all('#trend-rto-chart circle.trend-rto').length,
    rpo_points: all('#trend-rpo-chart circle.trend-rpo').length,
    failed: all('#failed tr.fail').length,
  };
})()"""


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    opened = Page(tmp_path / "chromium-profile")
    yield opened
    opened.close()


def test_the_checker_sees_requests_and_console_errors(page: Page, tmp_path: Path) -> None:
    """The control: a page that fetches and logs an error is caught doing both."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<html><body><img src="http://127.0.0.1:9/x.png">'
        '<script>console.error("broken")</script></body></html>'
    )
    loaded = page.load(bad, "1", screenshot=tmp_path / "bad.png")
    assert "http://127.0.0.1:9/x.png" in loaded.requests
    assert any("broken" in e for e in loaded.errors)


def test_the_html_report_loads_offline_with_its_charts(
    drill_lake: DrillLake, page: Page, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, first = drill_lake.drill("--level", "full", capsys=capsys)
    assert code == 0, first
    html = tmp_path / "report.html"
    code, report = drill_lake.drill("--level", "full", "--report", str(html), capsys=capsys)
    assert code == 0, report
    text = html.read_text()
    assert "http://" not in text.replace(drill_lake.lake.dr.url, "")  # nothing to fetch
    assert "https://" not in text and "<script" not in text and "<link" not in text

    shot = tmp_path / "report.png"
    loaded = page.load(html, READ_DOM, screenshot=shot)
    assert loaded.errors == []
    assert loaded.requests == [html.resolve().as_uri()], "the page fetched something"
    dom = loaded.values
    assert dom["steps"] == [s["name"] for s in report["steps"]]
    assert all(w >= 2 for w in dom["step_widths"])
    assert dom["tables"] == [t["name"] for t in report["tables"]] and len(dom["tables"]) == len(
        TABLES
    )
    assert dom["rto_points"] == dom["rpo_points"] == 2  # this drill and the one before
    assert dom["failed"] == 0
    width, height = _png_size(shot)
    assert width >= 700 and height >= 1200 and shot.stat().st_size > 20_000
    assert json.dumps(report["trend"]["drills"][0]["drill_id"]) == json.dumps(first["drill_id"])
