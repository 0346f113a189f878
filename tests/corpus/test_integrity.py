"""`verify` and `safe-point` of every corpus table say what the manifest says: whole tables
are ok and safe at their latest version; tables that lost files are found out."""

from __future__ import annotations

import pytest

from standby.errors import TableNotFound
from standby.integrity import safe_point, verify
from tests.corpus.manifest import Expectation, everything


@pytest.mark.parametrize("e", everything())
def test_verify_and_safe_point_of_the_source(e: Expectation) -> None:
    if e.read == "none":
        with pytest.raises(TableNotFound):
            verify(e.uri)
        with pytest.raises(TableNotFound):
            safe_point(e.uri)
        return
    report = verify(e.uri)
    assert ("ok" if report.ok else "problems") == e.verify, report.problems[:5]
    assert all(p.kind in ("missing", "size") for p in report.problems)
    point = safe_point(e.uri)
    want = {"latest": point.latest, "none": None}.get(str(e.safe_point), e.safe_point)
    assert point.version == want, (point.version, point.problems[:5])
    assert bool(point.problems) == (point.version != point.latest)
