"""Acceptance 7: S3 answering 503s, dropping connections or losing replies for a while
(tests/fault_proxy.py in front of moto): the run retries and finishes correct, or exits 4
with the replica still valid; never a success with files missing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from standby.cli import main
from standby.integrity import verify
from standby.storage import Backoff
from tests.fault_proxy import FaultProxy, fault_proxy
from tests.replication._support import assert_valid_replica, grow
from tests.servers import Root, S3Server


@pytest.fixture
def through_proxy(
    make_root: Callable[[str], Root], s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Root, FaultProxy, Callable[[bool], None]]]:
    """An S3 root, a proxy in front of moto, and a switch: route(True) sends standby's
    requests through the proxy, route(False) straight to moto (for the checks)."""
    root = make_root("s3")
    with fault_proxy(s3_server.server.url) as proxy:

        def route(faulty: bool) -> None:
            monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url if faulty else s3_server.server.url)

        yield root, proxy, route


def _replicate(capsys: pytest.CaptureFixture[str], src: str, dst: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["replicate", "--history", "all", src, dst])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _check(src: str, dst: str, root: Root, code: int) -> int | None:
    """After any run: a valid replica; after a success, a complete one."""
    version = assert_valid_replica(src, dst, options=root.storage_options)
    if code == 0:
        assert version == 9
        assert verify(dst, against=src).ok
    return version


# A burst of at most attempts-1 faults in a row: the longest one call outlives (one retry
# layer, RetryingStore's; obstore's own are off).
BURST = Backoff().attempts - 1


@pytest.mark.parametrize(
    ("kind", "count", "method"),
    [("status", BURST, None), ("drop", BURST, None), ("lose_response", 4, "PUT")],
    ids=["503-burst", "dropped-connections", "lost-put-replies"],
)
def test_transient_faults_are_retried_to_a_correct_replica(
    kind: str,
    count: int,
    method: str | None,
    tmp_path: Path,
    through_proxy: tuple[Root, FaultProxy, Callable[[bool], None]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, proxy, route = through_proxy
    src, dst = str(tmp_path / "src"), root.join("t")
    grow(src, 10)
    route(True)
    proxy.inject(kind, count=count, method=method)  # type: ignore[arg-type]

    code, err = _replicate(capsys, src, dst)

    assert proxy.outcomes(kind) == count, "the faults were not all met"
    route(False)
    assert code == 0, err
    _check(src, dst, root, code)


@pytest.mark.parametrize("at", [0.3, 0.7])
def test_an_outage_mid_run_exits_4_with_a_valid_replica_then_resumes(
    at: float,
    tmp_path: Path,
    through_proxy: tuple[Root, FaultProxy, Callable[[bool], None]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, proxy, route = through_proxy
    src, dst = str(tmp_path / "src"), root.join("t")
    grow(src, 10)
    route(True)
    assert _replicate(capsys, src, root.join("calibration"))[0] == 0
    requests = len(proxy.seen)  # what a whole pass asks of the store
    proxy.clear()
    stop = threading.Event()

    def outage_after(n: int) -> None:
        while not stop.is_set() and len(proxy.seen) < n:
            time.sleep(0.0005)
        proxy.inject("status", count=1_000_000)

    trigger = threading.Thread(target=outage_after, args=(int(requests * at),), daemon=True)
    trigger.start()
    code, err = _replicate(capsys, src, dst)
    stop.set()
    trigger.join()

    assert code == 4, err
    assert "error:" in err
    route(False)
    reached = _check(src, dst, root, code)
    assert reached is None or reached < 9
    proxy.clear()
    route(True)
    code, err = _replicate(capsys, src, dst)
    route(False)
    assert code == 0, err
    _check(src, dst, root, code)
