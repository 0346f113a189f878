"""Is a table copy complete and correct, and which version can it serve?

`verify` checks every file the retained versions reference (and, against a source, every
commit's bytes); `safe_point` finds the newest version a copy torn in any way can serve, and
with repair moves aside what keeps readers from it. Both read the log with the same two
steps: `chain` (what the listing holds) and `replay` (which versions rebuild, and whole).
"""

from __future__ import annotations

from standby.integrity.check import VerifyReport, referenced_since, verify
from standby.integrity.findings import Problem
from standby.integrity.quarantine import QUARANTINE
from standby.integrity.safepoint import SafePoint, safe_point

__all__ = [
    "QUARANTINE",
    "Problem",
    "SafePoint",
    "VerifyReport",
    "referenced_since",
    "safe_point",
    "verify",
]
