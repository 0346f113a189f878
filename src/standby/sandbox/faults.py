"""Fault injection: the failures a real workspace shows under load or during an outage.

A rate of 429 (throttled, with Retry-After), 503 and 500 answers, added latency, and "down"
(the listener closed, so clients get connection refused). The HTTP layer asks `decide()`
before each request; the decision is drawn from a seeded generator so a test is repeatable.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from standby.errors import BadInput
from standby.sandbox.api import ApiError


@dataclass
class Faults:
    """The fault plan of one sandbox; change it at any time (thread-safe)."""

    throttle_rate: float = 0.0
    unavailable_rate: float = 0.0
    error_rate: float = 0.0  # 500 INTERNAL_ERROR: the service failed while acting
    retry_after_seconds: int = 1
    latency_seconds: float = 0.0
    seed: int | None = 0
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    injected: dict[str, int] = field(
        init=False, default_factory=lambda: {"429": 0, "503": 0, "500": 0}
    )

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._check()

    def update(
        self,
        *,
        throttle_rate: float | None = None,
        unavailable_rate: float | None = None,
        error_rate: float | None = None,
        retry_after_seconds: int | None = None,
        latency_seconds: float | None = None,
    ) -> None:
        """Change some knobs, keep the others."""
        with self._lock:
            if throttle_rate is not None:
                self.throttle_rate = throttle_rate
            if unavailable_rate is not None:
                self.unavailable_rate = unavailable_rate
            if error_rate is not None:
                self.error_rate = error_rate
            if retry_after_seconds is not None:
                self.retry_after_seconds = retry_after_seconds
            if latency_seconds is not None:
                self.latency_seconds = latency_seconds
            self._check()

    def decide(self) -> ApiError | None:
        """The error to answer this request with, or None to serve it."""
        with self._lock:
            draw = self._rng.random()
            retry = {"Retry-After": str(self.retry_after_seconds)}
            if draw < self.throttle_rate:
                self.injected["429"] += 1
                return ApiError(
                    429,
                    "REQUEST_LIMIT_EXCEEDED",
                    "Too many requests (injected by the standby sandbox). Please retry later.",
                    headers=retry,
                )
            if draw < self.throttle_rate + self.unavailable_rate:
                self.injected["503"] += 1
                return ApiError(
                    503,
                    "TEMPORARILY_UNAVAILABLE",
                    "The service is temporarily unavailable (injected by the standby sandbox).",
                    headers=retry,
                )
            if draw < self.throttle_rate + self.unavailable_rate + self.error_rate:
                self.injected["500"] += 1
                return ApiError(
                    500,
                    "INTERNAL_ERROR",
                    "Internal error (injected by the standby sandbox).",
                )
        return None

    def as_dict(self) -> dict[str, float | int | dict[str, int]]:
        return {
            "throttle_rate": self.throttle_rate,
            "unavailable_rate": self.unavailable_rate,
            "error_rate": self.error_rate,
            "retry_after_seconds": self.retry_after_seconds,
            "latency_seconds": self.latency_seconds,
            "injected": dict(self.injected),
        }

    def _check(self) -> None:
        rates = (self.throttle_rate, self.unavailable_rate, self.error_rate)
        if any(r < 0 or r > 1 for r in rates) or sum(rates) > 1:
            raise BadInput(
                f"Fault rates must each be within 0..1 and add up to at most 1, not {rates}."
            )
        if self.retry_after_seconds < 0 or self.latency_seconds < 0:
            raise BadInput("Retry-After and added latency cannot be negative.")
