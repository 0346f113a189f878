"""Deep and shallow clones of every corpus table hold what the source holds (judged by the
replayed snapshot and the bytes of every live file), or are refused as the manifest says,
leaving nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from standby.cli import main
from standby.tables import clone
from tests.corpus.manifest import Expectation, assert_refused, refusing, working
from tests.corpus.snapshots import assert_same_snapshot


@pytest.mark.parametrize("e", working("clone"))
def test_deep_and_shallow_clones_replay_to_the_source_snapshot(
    e: Expectation, tmp_path: Path
) -> None:
    deep, shallow = tmp_path / "deep", tmp_path / "shallow"
    result = clone(e.uri, str(deep))
    assert result.target_version == 0 and result.num_copied_files >= result.source_num_of_files
    assert_same_snapshot(e.uri, str(deep), new_table=True)
    assert clone(e.uri, str(shallow), shallow=True).num_copied_files == 0
    assert [p.name for p in shallow.iterdir()] == ["_delta_log"]
    assert_same_snapshot(e.uri, str(shallow), new_table=True)


@pytest.mark.parametrize("e", refusing("clone"))
def test_clone_is_refused_as_the_manifest_says(
    e: Expectation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = e.refusal("clone")
    assert expected
    for shallow in (False, True):
        target = tmp_path / f"clone-{shallow}"
        assert_refused(
            expected,
            lambda target=target, shallow=shallow: clone(e.uri, str(target), shallow=shallow),  # type: ignore[misc]
            target=target,
        )
    code = main(["table", "clone", e.uri, str(tmp_path / "cli")])
    err = capsys.readouterr().err
    assert code in (2, 5) and err.startswith("error: ") and "Traceback" not in err
