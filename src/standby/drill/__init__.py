"""DR drills (the DR guide's section 6) and the runbook (its section 7): checks by level,
measured and journaled through the operations runner, a test failover that touches
nothing in production, history with trends, and reports as JSON, Markdown or one
self-contained HTML file."""

from __future__ import annotations

from standby.drill.runbook import build_runbook
from standby.drill.service import DrillOutcome, DrillPlan, DrillRequest, drill, steps_for

__all__ = ["DrillOutcome", "DrillPlan", "DrillRequest", "build_runbook", "drill", "steps_for"]
