"""Measurements the replication tests record (`record_property("measured", line)`) are
printed at the end of the run, also under xdist, where a test's own output is not shown."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines: list[str] = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name == "measured":
                    lines.append(f"{report.nodeid}: {value}")
    if lines:
        terminalreporter.write_sep("-", "replication measurements")
        for line in lines:
            terminalreporter.write_line(line)
