"""Ctrl-C and SIGTERM as a request to stop: long commands finish their step and end cleanly.

A KeyboardInterrupt lands wherever the main thread happens to be (often waiting on worker
threads that run on regardless); an event the work checks is a stop it can honour.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs; the handlers before it are
    restored after. Off the main thread (no signals there) the event is only set by hand."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM: the normal way to stop a foreground server."""
    with stop_on_signals() as stop:
        while not stop.wait(0.5):
            pass
