"""Test-only store openers for Spark executors: each opens the real store from its
reference (as production does) and wraps it to fail. They live in a module, not in a test,
so that the executors import them by name (the session puts the repository on PYTHONPATH).

The size check after every copy (`dst.head`) is where they fail: every copy makes it, on
every pair of stores, whichever copy the pair allows.
"""

from __future__ import annotations

import time

from standby.engines.refs import StoreRef, open_ref
from standby.errors import Unreachable
from standby.storage import ObjectInfo, ObjectStore
from tests.faults import StoreWrapper

FIRST_ATTEMPT = "injected: the first attempt of this Spark task fails"
ALWAYS = "injected: every attempt of this Spark task fails"


def _attempt() -> int:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    assert ctx is not None, "these openers run only inside Spark tasks"
    return ctx.attemptNumber()


class FirstAttemptFails(StoreWrapper):
    def head(self, path: str) -> ObjectInfo:
        if _attempt() == 0:
            raise Unreachable(FIRST_ATTEMPT, path=path)
        return self.inner.head(path)


class AlwaysFails(StoreWrapper):
    def head(self, path: str) -> ObjectInfo:
        raise Unreachable(ALWAYS, path=path)


def open_failing_first_attempt(ref: StoreRef) -> ObjectStore:
    return FirstAttemptFails(open_ref(ref))


def open_always_failing(ref: StoreRef) -> ObjectStore:
    return AlwaysFails(open_ref(ref))


SLOW_SECONDS = 0.5


class SlowAfterCopy(StoreWrapper):
    """Every copy takes SLOW_SECONDS longer (in its size check): a batch that lasts."""

    def head(self, path: str) -> ObjectInfo:
        time.sleep(SLOW_SECONDS)
        return self.inner.head(path)


def open_slow(ref: StoreRef) -> ObjectStore:
    return SlowAfterCopy(open_ref(ref))
